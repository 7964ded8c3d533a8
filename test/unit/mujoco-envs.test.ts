/**
 * Gymnasium v5 semantics of the MuJoCo locomotion envs, driven through their BatchedHostEnv
 * interface without a GPU (test/support/mujoco-batch.ts), each value recomputed here from the
 * instance's MjData before and after the step:
 * - the observation is qpos[1:] then qvel, clipped to ±10 for Hopper and Walker2d, not for
 *   HalfCheetah; Ant's is qpos[2:], qvel, then cfrc_ext[1:] clipped to ±1;
 * - the reward is healthy reward + x_velocity − ctrl_cost, x_velocity = Δqpos[0] / dt (Ant: Δ of
 *   the torso's xpos, less a contact cost; healthy while 0.2 ≤ z ≤ 1, ends included);
 * - Hopper terminates on an unhealthy state (height, angle, state range on the unclipped qvel) with
 *   healthy reward 0 on that step, Walker2d on height and angle only; HalfCheetah never
 *   terminates, even upside down;
 * - Humanoid's observation is qpos[2:], qvel, cinert[1:], cvel[1:], qfrc_actuator[6:] and
 *   cfrc_ext[1:], unclipped; its reward 5 (healthy, 1 < z < 2 strictly) + 1.25 · Δ(centre of mass
 *   x) / dt − 0.1 Σa² − clamp(5e-7 Σ cfrc_ext², contact cost range); its actions are in ±0.4;
 * - two envs with the same seed give identical trajectories under the same actions, even when the
 *   WebAssembly heap grows between their steps (stale views);
 * - resets scatter qpos and qvel around qpos0 within the noise scale, mean ≈ 0;
 * - a NaN action or a blown-up state ends the episode, reported as `unstable`, with no NaN out;
 * - an ended episode's metrics sum the step's reward terms;
 * - releaseBatch and close free the MjData and the model; a closed env refuses to reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antV5, halfCheetahV5, hopperV5, humanoidV5, loadMujoco, walker2dV5, type InstanceViews, type MujocoLocomotionEnv, type MujocoModule } from '../../src/mujoco';
import { isHealthy } from '../../src/mujoco/tasks';
import { driveBatch, type BatchDriver } from '../support/mujoco-batch';
import { freshSeed, seededRandom } from '../support/random';

/** The instance's qpos and qvel, copied. */
function state(env: MujocoLocomotionEnv, drive: BatchDriver, i: number) {
  const data = env.instanceData(drive.batch, i)!;
  return { qpos: Array.from(data.qpos), qvel: Array.from(data.qvel) };
}

function randomActions(drive: BatchDriver, random: () => number, scale = 1): void {
  const a = drive.batch.actions;
  for (let j = 0; j < a.length; j += 1) a[j] = scale * (2 * random() - 1);
}

/** Hopper-v5's is_healthy, written out again from hopper_v5.py. */
function hopperHealthy({ qpos, qvel }: { qpos: number[]; qvel: number[] }): boolean {
  const z = qpos[1]!;
  const angle = qpos[2]!;
  const rest = [...qpos.slice(2), ...qvel];
  return rest.every((v) => -100 < v && v < 100) && 0.7 < z && -0.2 < angle && angle < 0.2;
}

/** f32 agreement: the env writes Float32Arrays. */
const close32 = (actual: number, expected: number) => Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));

describe('MuJoCo locomotion envs (Gymnasium v5 semantics)', () => {
  let mujoco: MujocoModule;
  let hopper: MujocoLocomotionEnv;
  let cheetah: MujocoLocomotionEnv;
  beforeAll(async () => {
    mujoco = await loadMujoco();
    hopper = await hopperV5({ mujoco });
    cheetah = await halfCheetahV5({ mujoco });
  });
  afterAll(() => {
    hopper.close();
    cheetah.close();
  });

  it('observe qpos[1:] and qvel, clipped to ±10 for Hopper and unclipped for HalfCheetah', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    for (const [env, clip] of [[hopper, 10], [cheetah, Infinity]] as const) {
      const drive = driveBatch(env, 3, seed);
      drive.reset();
      let clipped = 0;
      for (let t = 0; t < 30; t += 1) {
        // Now and then a joint spun beyond 10 rad/s, so that the clip has something to do.
        if (t % 5 === 0) env.instanceData(drive.batch, 1)!.qvel[4] = 40;
        randomActions(drive, random);
        drive.step();
        for (let i = 0; i < 3; i += 1) {
          const { qpos, qvel } = state(env, drive, i);
          const expected = [...qpos.slice(1), ...qvel.map((v) => Math.min(Math.max(v, -clip), clip))];
          expect(Array.from(drive.observation(i)), `seed ${seed}: ${env.name} step ${t} instance ${i}`).toEqual(expected.map(Math.fround));
          clipped += qvel.filter((v) => Math.abs(v) > 10).length;
        }
        drive.reset(Array.from(drive.batch.terminated.entries()).filter(([, f]) => f === 1).map(([i]) => i));
      }
      expect(clipped, `seed ${seed}: ${env.name}: velocities beyond 10 seen`).toBeGreaterThan(0);
      env.releaseBatch(drive.batch);
    }
  });

  it('pay healthy reward + Δx / dt − ctrl cost, recomputed from the MjData before and after each step', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const seen = { hopperEnds: 0, healthySteps: 0, cheetahSteps: 0 };
    for (const env of [hopper, cheetah]) {
      const n = 4;
      const drive = driveBatch(env, n, seed);
      drive.reset();
      for (let t = 0; t < 150; t += 1) {
        randomActions(drive, random, 1.5); // beyond ±1 too: MuJoCo clamps, the cost sees the raw value
        const before = Array.from({ length: n }, (_, i) => state(env, drive, i));
        const actions = Array.from(drive.batch.actions);
        drive.step();
        for (let i = 0; i < n; i += 1) {
          const after = state(env, drive, i);
          const xVelocity = (after.qpos[0]! - before[i]!.qpos[0]!) / env.dt;
          const a = actions.slice(i * env.actionSpace.size, (i + 1) * env.actionSpace.size).map(Math.fround);
          const squares = a.reduce((s, v) => s + v * v, 0);
          const context = `seed ${seed}: ${env.name} step ${t} instance ${i}`;
          if (env === hopper) {
            const healthy = hopperHealthy(after);
            const expected = xVelocity + (healthy ? 1 : 0) - 1e-3 * squares;
            expect(close32(drive.batch.rewards[i]!, expected), `${context}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
            expect(drive.batch.terminated[i], context).toBe(healthy ? 0 : 1);
            seen.hopperEnds += healthy ? 0 : 1;
            seen.healthySteps += healthy ? 1 : 0;
          } else {
            const expected = xVelocity - 0.1 * squares;
            expect(close32(drive.batch.rewards[i]!, expected), `${context}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
            expect(drive.batch.terminated[i], context).toBe(0);
            seen.cheetahSteps += 1;
          }
        }
        drive.reset(Array.from(drive.batch.terminated.entries()).filter(([, f]) => f === 1).map(([i]) => i));
      }
      env.releaseBatch(drive.batch);
    }
    // A random Hopper falls within a few dozen steps: both branches of the health rule were taken.
    expect(seen.hopperEnds, `seed ${seed}`).toBeGreaterThan(0);
    expect(seen.healthySteps, `seed ${seed}`).toBeGreaterThan(0);
    expect(seen.cheetahSteps, `seed ${seed}`).toBe(4 * 150);
  });

  it('end a Hopper episode on each unhealthy rule, paying no healthy reward on that step', () => {
    const seed = freshSeed();
    const drive = driveBatch(hopper, 4, seed);
    drive.reset();
    // Instance 0 stays healthy; 1 too low; 2 tilted beyond 0.2 rad; 3 sliding forward beyond 100
    // (in the air, nothing slows it down: the one rule it breaks is the state range).
    const data = (i: number) => hopper.instanceData(drive.batch, i)!;
    data(1).qpos[1] = 0.5;
    data(2).qpos[2] = 0.35;
    data(3).qvel[0] = 150;
    const before = [0, 1, 2, 3].map((i) => state(hopper, drive, i));
    drive.batch.actions.fill(0);
    drive.step();
    expect(Array.from(drive.batch.terminated), `seed ${seed}`).toEqual([0, 1, 1, 1]);
    for (let i = 0; i < 4; i += 1) {
      const xVelocity = (state(hopper, drive, i).qpos[0]! - before[i]!.qpos[0]!) / hopper.dt;
      const expected = xVelocity + (i === 0 ? 1 : 0);
      expect(close32(drive.batch.rewards[i]!, expected), `seed ${seed}: instance ${i}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
      const metrics = drive.metrics(i);
      if (i > 0) expect([metrics.reward_survive, metrics.unstable], `seed ${seed}: instance ${i}`).toEqual([0, 0]);
    }
    // The state range reads the unclipped velocity; the observation holds the clipped one.
    expect(state(hopper, drive, 3).qvel[0], `seed ${seed}`).toBeGreaterThan(100);
    expect(drive.observation(3)[5], `seed ${seed}`).toBe(10);
    hopper.releaseBatch(drive.batch);
  });

  it('Walker2d: healthy while 0.8 < z < 2 and |angle| < 1, no state range; reward and observation as Hopper', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const walker = await walker2dV5({ mujoco });
    try {
      const drive = driveBatch(walker, 5, seed);
      drive.reset();
      // Instance 0 healthy; 1 too low; 2 too high; 3 tilted beyond 1 rad; 4 a joint spinning at 150 (no state rule).
      const data = (i: number) => walker.instanceData(drive.batch, i)!;
      data(1).qpos[1] = 0.75;
      data(2).qpos[1] = 2.2;
      data(3).qpos[2] = 1.2;
      data(4).qvel[0] = 150;
      const before = [0, 1, 2, 3, 4].map((i) => state(walker, drive, i));
      randomActions(drive, random, 0.5);
      const actions = Array.from(drive.batch.actions);
      drive.step();
      expect(Array.from(drive.batch.terminated), `seed ${seed}`).toEqual([0, 1, 1, 1, 0]);
      for (let i = 0; i < 5; i += 1) {
        const after = state(walker, drive, i);
        const [z, angle] = [after.qpos[1]!, after.qpos[2]!];
        const healthy = 0.8 < z && z < 2 && -1 < angle && angle < 1;
        const squares = actions.slice(6 * i, 6 * i + 6).reduce((sum, a) => sum + a * a, 0);
        const expected = (after.qpos[0]! - before[i]!.qpos[0]!) / walker.dt + (healthy ? 1 : 0) - 1e-3 * squares;
        expect(close32(drive.batch.rewards[i]!, expected), `seed ${seed}: instance ${i}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
        const observation = [...after.qpos.slice(1), ...after.qvel.map((v) => Math.min(Math.max(v, -10), 10))].map(Math.fround);
        expect(Array.from(drive.observation(i)), `seed ${seed}: instance ${i}`).toEqual(observation);
      }
      expect(drive.observation(4)[8], `seed ${seed}: the fast slide is clipped in the observation`).toBe(10);
    } finally {
      walker.close();
    }
  });

  it('Ant: observes qpos[2:], qvel, cfrc_ext[1:] clipped to ±1; pays healthy + Δx_torso / dt − 0.5 Σa² − 5e-4 Σ clip(cfrc_ext)², x from xpos', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const ant = await antV5({ mujoco });
    try {
      const n = 3;
      const drive = driveBatch(ant, n, seed);
      drive.reset();
      const seen = { clippedForces: 0, xposNotQpos: 0, ends: 0 };
      for (let t = 0; t < 60; t += 1) {
        randomActions(drive, random);
        const actions = Array.from(drive.batch.actions);
        const before = Array.from({ length: n }, (_, i) => {
          const data = ant.instanceData(drive.batch, i)!;
          return { torsoX: data.xpos[3]!, rootX: data.qpos[0]! };
        });
        drive.step();
        for (let i = 0; i < n; i += 1) {
          const data = ant.instanceData(drive.batch, i)!;
          const { qpos, qvel } = state(ant, drive, i);
          const forces = Array.from(data.cfrc_ext);
          const clipped = forces.map((f) => Math.min(Math.max(f, -1), 1));
          const z = qpos[2]!;
          const healthy = 0.2 <= z && z <= 1;
          const squares = actions.slice(8 * i, 8 * i + 8).reduce((sum, a) => sum + a * a, 0);
          const contact = 5e-4 * clipped.reduce((sum, f) => sum + f * f, 0);
          const expected = (data.xpos[3]! - before[i]!.torsoX) / ant.dt + (healthy ? 1 : 0) - (0.5 * squares + contact);
          const context = `seed ${seed}: step ${t} instance ${i}`;
          expect(close32(drive.batch.rewards[i]!, expected), `${context}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
          expect(drive.batch.terminated[i], context).toBe(healthy ? 0 : 1);
          expect(Array.from(drive.observation(i)), context).toEqual([...qpos.slice(2), ...qvel, ...clipped.slice(6)].map(Math.fround));
          seen.clippedForces += forces.filter((f) => Math.abs(f) > 1).length;
          const fromQpos = expected - (data.xpos[3]! - before[i]!.torsoX) / ant.dt + (qpos[0]! - before[i]!.rootX) / ant.dt;
          seen.xposNotQpos += close32(drive.batch.rewards[i]!, fromQpos) ? 0 : 1;
          seen.ends += drive.batch.terminated[i]!;
        }
        drive.reset(Array.from(drive.batch.terminated.entries()).filter(([, f]) => f === 1).map(([i]) => i));
      }
      // Feet on the floor push harder than 1; and xpos lags qpos by the step's last position evaluation.
      expect(seen.clippedForces, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.xposNotQpos, `seed ${seed}: the forward reward follows the torso's xpos`).toBeGreaterThan(0);
      expect(ant.episodeMetrics).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_contact', 'reward_survive', 'unstable']);
      // The height rule includes both ends (ant_v5.py compares with ≤).
      const views = (z: number) => ({ ...state(ant, drive, 0), qpos: Float64Array.from([0, 0, z]) }) as unknown as InstanceViews;
      expect([0.2, 1, 0.6, 0.19999, 1.00001].map((z) => isHealthy(views(z), ant.settings.health))).toEqual([true, true, true, false, false]);
      ant.releaseBatch(drive.batch);
    } finally {
      ant.close();
    }
  });

  it('Humanoid: observes qpos[2:], qvel, cinert, cvel, qfrc_actuator, cfrc_ext; pays 5 + 1.25 Δx_com / dt − 0.1 Σa² − clamp(5e-7 Σ cfrc_ext²)', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    // The default contact cost range, and one tight enough that the clamp is seen.
    const humanoids = [await humanoidV5({ mujoco }), await humanoidV5({ mujoco, contactCostRange: [-Infinity, 2e-3] })];
    try {
      const seen = { clamped: [0, 0], ends: 0, contact: 0 };
      for (const [k, humanoid] of humanoids.entries()) {
        expect(humanoid.actionSpace, 'ctrlrange ±0.4').toEqual({ kind: 'box', size: 17, low: Array(17).fill(-0.4), high: Array(17).fill(0.4) });
        const costMax = humanoid.settings.contactCostRange![1];
        const masses = Array.from(humanoid.model.body_mass);
        const total = masses.reduce((sum, m) => sum + m, 0);
        const comX = (data: { xipos: Float64Array }) => masses.reduce((sum, m, b) => sum + m * data.xipos[3 * b]!, 0) / total;
        const n = 3;
        const drive = driveBatch(humanoid, n, seed + k);
        drive.reset();
        for (let t = 0; t < 40; t += 1) {
          randomActions(drive, random, 0.4);
          const actions = Array.from(drive.batch.actions);
          const before = Array.from({ length: n }, (_, i) => comX(humanoid.instanceData(drive.batch, i)!));
          drive.step();
          for (let i = 0; i < n; i += 1) {
            const data = humanoid.instanceData(drive.batch, i)!;
            const { qpos, qvel } = state(humanoid, drive, i);
            const z = qpos[2]!;
            const healthy = 1 < z && z < 2;
            const squares = actions.slice(17 * i, 17 * i + 17).reduce((sum, a) => sum + a * a, 0);
            const rawContact = 5e-7 * Array.from(data.cfrc_ext).reduce((sum, f) => sum + f * f, 0);
            const contact = Math.min(rawContact, costMax);
            const expected = (1.25 * (comX(data) - before[i]!)) / humanoid.dt + (healthy ? 5 : 0) - (0.1 * squares + contact);
            const context = `seed ${seed}: env ${k} step ${t} instance ${i}`;
            expect(close32(drive.batch.rewards[i]!, expected), `${context}: reward ${drive.batch.rewards[i]} vs ${expected}`).toBe(true);
            expect(drive.batch.terminated[i], context).toBe(healthy ? 0 : 1);
            const dynamics = [data.cinert, data.cvel, data.qfrc_actuator, data.cfrc_ext].flatMap((values, part) => Array.from(values).slice([10, 6, 6, 6][part]));
            const observation = [...qpos.slice(2), ...qvel, ...dynamics];
            expect(observation.length, context).toBe(348);
            expect(Array.from(drive.observation(i)), context).toEqual(observation.map(Math.fround));
            seen.clamped[k]! += rawContact > costMax ? 1 : 0;
            seen.contact += rawContact > 0 ? 1 : 0;
            seen.ends += drive.batch.terminated[i]!;
          }
          drive.reset(Array.from(drive.batch.terminated.entries()).filter(([, f]) => f === 1).map(([i]) => i));
        }
        humanoid.releaseBatch(drive.batch);
      }
      // Random torques topple it (the rule ends those episodes) and its feet press on the floor.
      expect(seen.ends, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.contact, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.clamped[1], `seed ${seed}: the tight contact cost range clamps`).toBeGreaterThan(0);
      expect(humanoids[0]!.settings.contactCostRange).toEqual([-Infinity, 10]);
      expect(humanoids[0]!.episodeMetrics).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_contact', 'reward_survive', 'unstable']);
      // The height rule excludes both ends (humanoid_v5.py compares with <).
      const views = (z: number) => ({ qpos: Float64Array.from([0, 0, z]) }) as unknown as InstanceViews;
      expect([1, 2, 1.5, 1.00001, 1.99999].map((z) => isHealthy(views(z), humanoids[0]!.settings.health))).toEqual([false, false, true, true, true]);
    } finally {
      for (const humanoid of humanoids) humanoid.close();
    }
  });

  it('never end a HalfCheetah episode, not even upside down (1 000 steps)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const drive = driveBatch(cheetah, 2, seed);
    drive.reset();
    cheetah.instanceData(drive.batch, 1)!.qpos[2] = Math.PI;
    let ends = 0;
    for (let t = 0; t < 1000; t += 1) {
      randomActions(drive, random);
      drive.step();
      ends += drive.batch.terminated[0]! + drive.batch.terminated[1]!;
    }
    expect(ends, `seed ${seed}`).toBe(0);
    expect(Math.abs(state(cheetah, drive, 1).qpos[2]!), `seed ${seed}: still flipped`).toBeGreaterThan(1.5);
    cheetah.releaseBatch(drive.batch);
  });

  it('replay a trajectory from the same seed and actions, even across heap growth (stale views re-taken)', async () => {
    const seed = freshSeed();
    const twin = await hopperV5({ mujoco });
    const filler = await walker2dV5({ mujoco });
    try {
      const runs = [hopper, twin].map((env) => ({ env, drive: driveBatch(env, 8, seed), trace: [] as number[] }));
      const random = seededRandom(seed ^ 0x5bd1e995);
      for (const { drive } of runs) drive.reset();
      const fillerDrive = driveBatch(filler, 64, seed);
      const earlyView = hopper.instanceData(runs[0]!.drive.batch, 0)!.qpos;
      for (let t = 0; t < 300; t += 1) {
        randomActions(runs[0]!.drive, random);
        runs[1]!.drive.batch.actions.set(runs[0]!.drive.batch.actions);
        // Midway, 64 Walker2d MjData of 1 MB arena each grow the shared heap between the twins' steps.
        if (t === 150) fillerDrive.reset();
        for (const { drive, trace } of runs) {
          drive.step(0, 4);
          drive.step(4, 8);
          trace.push(...drive.batch.observations, ...drive.batch.rewards, ...drive.batch.terminated);
          drive.reset(Array.from(drive.batch.terminated.entries()).filter(([, f]) => f === 1).map(([i]) => i));
          trace.push(...drive.batch.observations);
        }
      }
      expect(earlyView.length, 'the heap grew: a view taken before is detached').toBe(0);
      expect(runs[1]!.trace, `seed ${seed}`).toEqual(runs[0]!.trace);
      expect(runs[0]!.trace.every(Number.isFinite), `seed ${seed}`).toBe(true);
      hopper.releaseBatch(runs[0]!.drive.batch);
    } finally {
      twin.close();
      filler.close();
    }
  });

  it('scatter resets: qpos U(±s) on every entry, qvel U(±s) (Hopper, Humanoid) or s · N(0, 1) (HalfCheetah, Ant), mean ≈ 0', async () => {
    const seed = freshSeed();
    const n = 400;
    const ant = await antV5({ mujoco });
    const humanoid = await humanoidV5({ mujoco });
    try {
      for (const env of [hopper, cheetah, ant, humanoid]) {
        const drive = driveBatch(env, n, seed);
        const dq: number[] = [];
        const dv: number[] = [];
        const skipped = env === ant || env === humanoid ? 2 : 1;
        const uniform = env === hopper || env === humanoid;
        for (let round = 0; round < 3; round += 1) {
          drive.reset();
          for (let i = 0; i < n; i += 1) {
            const { qpos, qvel } = state(env, drive, i);
            const qpos0 = env.model.qpos0;
            qpos.forEach((q, j) => dq.push(q - qpos0[j]!));
            dv.push(...qvel);
            // Ant's and Humanoid's reset observations end with cfrc_ext[1:], zero until a step's mj_rnePostConstraint fills it.
            const data = env.instanceData(drive.batch, i)!;
            const forces = env === ant || env === humanoid ? Array.from(data.cfrc_ext.subarray(6)) : [];
            const dynamics = env === humanoid ? [...data.cinert.subarray(10), ...data.cvel.subarray(6), ...data.qfrc_actuator.subarray(6)] : [];
            const expected = [...qpos.slice(skipped), ...qvel.map((v) => (env === hopper ? Math.min(Math.max(v, -10), 10) : v)), ...dynamics, ...forces];
            expect(Array.from(drive.observation(i)), `seed ${seed}: ${env.name}: reset observation`).toEqual(expected.map(Math.fround));
            expect(forces.every((f) => f === 0), `seed ${seed}: ${env.name}'s reset contact forces`).toBe(true);
          }
        }
        const s = { 'Hopper-v5': 5e-3, 'HalfCheetah-v5': 0.1, 'Ant-v5': 0.1, 'Humanoid-v5': 1e-2 }[env.name]!;
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
        const context = `seed ${seed}: ${env.name}`;
        // Every qpos entry, Ant's quaternion included (left unnormalised, as Gymnasium leaves it).
        expect(dq.every((d) => Math.abs(d) <= s), `${context}: qpos noise within ±${s}`).toBe(true);
        // Uniform on (−s, s): σ = s / √3; the mean of m draws is within 5 σ / √m.
        expect(Math.abs(mean(dq)), context).toBeLessThan((5 * s) / Math.sqrt(3 * dq.length));
        expect(Math.abs(std(dq) - s / Math.sqrt(3)), context).toBeLessThan(0.05 * s);
        if (uniform) {
          expect(dv.every((d) => Math.abs(d) <= s), `${context}: qvel noise within ±${s}`).toBe(true);
          expect(Math.abs(std(dv) - s / Math.sqrt(3)), context).toBeLessThan(0.05 * s);
        } else {
          expect(Math.abs(std(dv) - s), `${context}: qvel σ`).toBeLessThan(0.05 * s);
          expect(dv.some((d) => Math.abs(d) > 2 * s), `${context}: a normal's tail`).toBe(true);
        }
        expect(Math.abs(mean(dv)), context).toBeLessThan((5 * s) / Math.sqrt(dv.length));
        env.releaseBatch(drive.batch);
      }
    } finally {
      ant.close();
      humanoid.close();
    }
  });

  it('end the episode on a NaN action or a blown-up state, reported as unstable, with no NaN out', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    for (const env of [hopper, cheetah]) {
      const drive = driveBatch(env, 3, seed);
      drive.reset();
      for (let t = 0; t < 5; t += 1) {
        randomActions(drive, random);
        drive.step();
      }
      const lastObservation = drive.observation(1);
      const nu = env.actionSpace.size;
      randomActions(drive, random);
      drive.batch.actions[1 * nu + 1] = Number.NaN;
      // Instance 2: a velocity beyond MuJoCo's 1e10 (mjMAXVAL), which its step turns into NaN.
      env.instanceData(drive.batch, 2)!.qvel[0] = 1e12;
      drive.step();
      const context = `seed ${seed}: ${env.name}`;
      expect(Array.from(drive.batch.terminated.subarray(1)), context).toEqual([1, 1]);
      expect(Array.from(drive.batch.rewards.subarray(1)), context).toEqual([0, 0]);
      expect(drive.observation(1), `${context}: the NaN action left the observation as it was`).toEqual(lastObservation);
      expect(drive.batch.observations.every(Number.isFinite) && drive.batch.rewards.every(Number.isFinite), context).toBe(true);
      expect([drive.metrics(1).unstable, drive.metrics(2).unstable], context).toEqual([1, 1]);
      expect(Object.values(drive.metrics(2)).every(Number.isFinite), context).toBe(true);
      // The reset after it starts from a sound state again.
      drive.reset([1, 2]);
      randomActions(drive, random);
      drive.step();
      expect(drive.batch.observations.every(Number.isFinite) && drive.batch.rewards.every(Number.isFinite), context).toBe(true);
      expect(state(env, drive, 2).qvel.every((v) => Math.abs(v) < 1e3), context).toBe(true);
      env.releaseBatch(drive.batch);
    }
  });

  it("write an ended episode's metrics: final x, mean x velocity and the sums of the reward terms", () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const drive = driveBatch(hopper, 2, seed);
    drive.reset();
    const x0 = state(hopper, drive, 0).qpos[0]!;
    const sums = { forward: 0, ctrl: 0, survive: 0, steps: 0 };
    for (let t = 0; t < 60 && drive.batch.terminated[0] === 0; t += 1) {
      randomActions(drive, random, 0.3);
      // The engine marks the step that reaches the time limit in truncated before stepping.
      drive.batch.truncated[0] = t === 9 ? 1 : 0;
      const xBefore = state(hopper, drive, 0).qpos[0]!;
      const squares = Array.from(drive.batch.actions.subarray(0, 3)).reduce((s, a) => s + a * a, 0);
      drive.step();
      const { qpos, qvel } = state(hopper, drive, 0);
      sums.forward += (qpos[0]! - xBefore) / hopper.dt;
      sums.ctrl -= 1e-3 * squares;
      sums.survive += hopperHealthy({ qpos, qvel }) ? 1 : 0;
      sums.steps += 1;
      if (t === 9) break;
    }
    const m = drive.metrics(0);
    const x = state(hopper, drive, 0).qpos[0]!;
    const context = `seed ${seed}: ${JSON.stringify(m)}`;
    expect(hopper.episodeMetrics).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive', 'unstable']);
    expect(cheetah.episodeMetrics).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'unstable']);
    expect(close32(m.x_position!, x), context).toBe(true);
    expect(close32(m.x_velocity!, (x - x0) / (sums.steps * hopper.dt)), context).toBe(true);
    expect(Math.abs(m.reward_forward! - sums.forward), context).toBeLessThan(1e-4 * Math.max(1, Math.abs(sums.forward)));
    expect(close32(m.reward_ctrl!, sums.ctrl), context).toBe(true);
    expect([m.reward_survive, m.unstable], context).toEqual([sums.survive, 0]);
    expect(sums.steps, context).toBeGreaterThan(1);
    hopper.releaseBatch(drive.batch);
  });

  it('free a run at releaseBatch and everything at close; a closed env refuses to reset', async () => {
    const env = await hopperV5({ mujoco });
    const drive = driveBatch(env, 2, 1);
    drive.reset();
    expect(env.instanceData(drive.batch, 1)).toBeDefined();
    env.releaseBatch(drive.batch);
    expect(env.instanceData(drive.batch, 1)).toBeUndefined();
    expect(() => drive.step()).toThrow(/^Hopper-v5: stepBatch before resetBatch for this batch/);
    drive.reset();
    env.close();
    env.close();
    expect(env.instanceData(drive.batch, 0)).toBeUndefined();
    expect(() => drive.reset()).toThrow(/^Hopper-v5: the env was closed \(close\(\) freed its MuJoCo model\); make a new one$/);
  });
});
