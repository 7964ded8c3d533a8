/**
 * The MuJoCo locomotion models and their loading, no GPU: each compiled model (Hopper, HalfCheetah,
 * Walker2d, Ant, Humanoid) has the published sizes, body masses, gears, joint ranges, timestep and
 * integrator (and Humanoid's solver) of Gymnasium's v5 model (the values read back from the compiled Gymnasium XMLs under
 * MuJoCo 3.14); loading without the package
 * names the package to install, in one line; an MJCF error names the model and the line; the
 * options are checked, naming the field, the value and what is valid; the arena of 1 MB keeps a
 * wide margin over what a random policy uses.
 */
import type { MjModel } from '@mujoco/mujoco';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antV5, halfCheetahV5, hopperV5, humanoidV5, loadMujoco, mujocoEnv, MUJOCO_ENV_IDS, walker2dV5, type MujocoLocomotionEnv, type MujocoModule } from '../../src/mujoco';
import { compileModel } from '../../src/mujoco/locomotion-env';
import { startMujoco } from '../../src/mujoco/load';
import { driveBatch } from '../support/mujoco-batch';
import { freshSeed, seededRandom } from '../support/random';

/** What Gymnasium's compiled v5 models hold (masses in kg, ranges in radians, gears per actuator). */
const PUBLISHED = {
  'Hopper-v5': {
    sizes: { nq: 6, nv: 6, nu: 3, nbody: 5 },
    masses: [0, 3.6652, 4.0579, 2.7814, 5.3156],
    total: 15.82,
    gears: [200, 200, 200],
    // rootx, rootz, rooty unlimited; thigh, leg [−150°, 0]; foot ±45°.
    ranges: [null, null, null, [-2.61799, 0], [-2.61799, 0], [-0.785398, 0.785398]],
    timestep: 0.002,
    integrator: 1, // mjINT_RK4
    dt: 0.008,
  },
  'HalfCheetah-v5': {
    sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
    masses: [0, 6.2502, 1.5435, 1.5874, 1.0954, 1.4381, 1.2008, 0.8845],
    total: 14,
    gears: [120, 90, 60, 120, 60, 30],
    ranges: [null, null, null, [-0.52, 1.05], [-0.785, 0.785], [-0.4, 0.785], [-1, 0.7], [-1.2, 0.87], [-0.5, 0.5]],
    timestep: 0.01,
    integrator: 0, // mjINT_EULER
    dt: 0.05,
  },
  'Walker2d-v5': {
    sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
    masses: [0, 3.6652, 4.0579, 2.7814, 3.1667, 4.0579, 2.7814, 3.1667],
    total: 23.677,
    gears: [100, 100, 100, 100, 100, 100],
    ranges: [null, null, null, ...[0, 1].flatMap(() => [[-2.61799, 0], [-2.61799, 0], [-0.785398, 0.785398]])],
    timestep: 0.002,
    integrator: 1,
    dt: 0.008,
  },
  'Ant-v5': {
    sizes: { nq: 15, nv: 14, nu: 8, nbody: 14 },
    masses: [0, 0.3272, ...[0, 1, 2, 3].flatMap(() => [0.0392, 0.0392, 0.0676])],
    total: 0.91088,
    gears: [150, 150, 150, 150, 150, 150, 150, 150],
    // The free root is unlimited; hips ±30°; ankles 1 and 4 [30°, 70°], 2 and 3 [−70°, −30°].
    ranges: [null, ...[[30, 70], [-70, -30], [-70, -30], [30, 70]].flatMap((ankle) => [[-30, 30], ankle].map((r) => r.map((deg) => (deg * Math.PI) / 180)))],
    timestep: 0.01,
    integrator: 1,
    dt: 0.05,
  },
  'Humanoid-v5': {
    sizes: { nq: 24, nv: 23, nu: 17, nbody: 14 },
    // torso, lwaist, pelvis, then each leg's thigh, shin, foot, then each arm's upper and lower part.
    masses: [0, 8.9075, 2.2619, 6.6162, 4.7518, 2.7557, 1.7671, 4.7518, 2.7557, 1.7671, 1.6611, 1.2295, 1.6611, 1.2295],
    total: 42.116,
    gears: [100, 100, 100, 100, 100, 300, 200, 100, 100, 300, 200, 25, 25, 25, 25, 25, 25],
    // The free root; abdomen z, y, x; each leg's hip x, z, y and knee; each arm's shoulders and elbow (degrees).
    ranges: [
      null,
      ...[[-45, 45], [-75, 30], [-35, 35], ...[0, 1].flatMap(() => [[-25, 5], [-60, 35], [-110, 20], [-160, -2]]), [-85, 60], [-85, 60], [-90, 50], [-60, 85], [-60, 85], [-90, 50]].map((r) =>
        r.map((deg) => (deg * Math.PI) / 180),
      ),
    ],
    timestep: 0.003,
    integrator: 1,
    dt: 0.015,
    ctrlRange: 0.4,
  },
} as const;

describe('MuJoCo locomotion models', () => {
  let mujoco: MujocoModule;
  const envs: MujocoLocomotionEnv[] = [];
  beforeAll(async () => {
    mujoco = await loadMujoco();
    envs.push(await hopperV5({ mujoco }), await halfCheetahV5({ mujoco }), await walker2dV5({ mujoco }), await antV5({ mujoco }), await humanoidV5({ mujoco }));
  });
  afterAll(() => envs.forEach((env) => env.close()));

  it('compile to the published sizes, masses, gears, joint ranges, timestep and integrator (within 1e-3)', () => {
    expect(envs.map((env) => env.name)).toEqual([...MUJOCO_ENV_IDS]);
    for (const env of envs) {
      const published = PUBLISHED[env.name as keyof typeof PUBLISHED];
      const model = env.model as unknown as MjModel;
      const where = env.name;
      expect({ nq: model.nq, nv: model.nv, nu: model.nu, nbody: model.nbody }, where).toEqual(published.sizes);
      const masses = Array.from(model.body_mass as Float64Array);
      masses.forEach((m, b) => expect(Math.abs(m - published.masses[b]!), `${where}: body ${b} mass ${m}`).toBeLessThan(1e-3));
      expect(Math.abs(masses.reduce((s, m) => s + m, 0) - published.total), `${where}: total mass`).toBeLessThan(1e-3);
      const gear = model.actuator_gear as Float64Array;
      expect(published.gears.map((_, a) => gear[6 * a]), `${where}: gears`).toEqual([...published.gears]);
      // (jnt_limited, a bool array, has no typed-array binding in 3.14: an unlimited joint's range is [0, 0].)
      const range = model.jnt_range as Float64Array;
      published.ranges.forEach((r, j) => {
        (r ?? [0, 0]).forEach((bound, k) => expect(Math.abs(range[2 * j + k]! - bound), `${where}: joint ${j} range`).toBeLessThan(1e-3));
      });
      const opt = model.opt;
      try {
        expect([opt.timestep, opt.integrator], `${where}: timestep, integrator`).toEqual([published.timestep, published.integrator]);
        // Humanoid alone sets PGS with 50 iterations; the others keep MuJoCo's Newton, 100.
        const solver = env.name === 'Humanoid-v5' ? [0, 50] : [2, 100];
        expect([opt.solver, opt.iterations], `${where}: solver, iterations`).toEqual(solver);
      } finally {
        opt.delete();
      }
      expect(env.dt, `${where}: dt`).toBeCloseTo(published.dt, 12);
      const ctrl = 'ctrlRange' in published ? published.ctrlRange : 1;
      expect(env.actionSpace, where).toEqual({ kind: 'box', size: published.sizes.nu, low: Array(published.sizes.nu).fill(-ctrl), high: Array(published.sizes.nu).fill(ctrl) });
    }
  });

  it('keep the peak arena use of 2 000 random steps under a tenth of the 1 MB arena', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    for (const env of envs) {
      const drive = driveBatch(env, 1, seed);
      drive.reset();
      let peak = 0;
      for (let t = 0; t < 2000; t += 1) {
        drive.batch.actions.forEach((_, j) => (drive.batch.actions[j] = 2 * random() - 1));
        drive.step();
        peak = Math.max(peak, env.instanceData(drive.batch, 0)!.maxuse_arena);
        if (drive.batch.terminated[0] === 1) drive.reset();
      }
      console.log(`[arena] ${env.name}: peak ${peak} bytes of ${env.model.narena}`);
      expect(peak, `seed ${seed}: ${env.name}`).toBeGreaterThan(0);
      expect(peak, `seed ${seed}: ${env.name}`).toBeLessThan(env.model.narena / 10);
      env.releaseBatch(drive.batch);
    }
  });

  it('name the model and the line of an MJCF error, in one line', () => {
    const broken = '<mujoco model="broken">\n  <worldbody>\n    <body><geom type="sphere" size="oops"/></body>\n  </worldbody>\n</mujoco>';
    expect(() => compileModel(mujoco, 'Broken-v0', broken)).toThrow(/^MuJoCo model 'Broken-v0' did not compile: .*line 3[^\n]*$/);
  });

  it('name the package to install, in one line, when @mujoco/mujoco cannot be imported', async () => {
    const missing = startMujoco(() => import(/* @vite-ignore */ ['@mujoco', 'not-installed-here'].join('/')));
    await expect(missing).rejects.toThrow(/^webgpu-rl\/mujoco needs MuJoCo's WebAssembly bindings: npm install @mujoco\/mujoco \(importing '@mujoco\/mujoco' failed: [^\n]*\)$/);
    await expect(startMujoco(async () => ({ default: 42 }))).rejects.toThrow(/has no default export to start the module with \(got number\)/);
    await expect(startMujoco(async () => ({ default: () => Promise.reject(new Error('wasm fetch failed\nat …')) }))).rejects.toThrow(
      /^'@mujoco\/mujoco' is installed but its WebAssembly module did not start .*: wasm fetch failed$/,
    );
    // The package's own module loads once and is shared.
    expect(await loadMujoco()).toBe(mujoco);
    expect((mujoco as unknown as { mj_versionString(): string }).mj_versionString()).toMatch(/^3\./);
  });

  it("take a module the caller loaded (the package's own types fit, single- and multi-threaded)", async () => {
    const own = await (await import('@mujoco/mujoco')).default();
    // Type-level: the multi-threaded build's module fits the option too (it needs cross-origin isolation to run).
    const withMt: (module: Awaited<ReturnType<typeof import('@mujoco/mujoco/mt').default>>) => Promise<MujocoLocomotionEnv> = (module) => hopperV5({ mujoco: module });
    expect(typeof withMt).toBe('function');
    const env = await halfCheetahV5({ mujoco: own });
    try {
      expect(env.mujoco).toBe(own);
      expect(own).not.toBe(mujoco);
      const drive = driveBatch(env, 2, 7);
      drive.reset();
      drive.batch.actions.fill(0.5);
      drive.step();
      expect(drive.batch.observations.every(Number.isFinite)).toBe(true);
      expect(drive.batch.rewards.every(Number.isFinite)).toBe(true);
      expect(Array.from(env.instanceData(drive.batch, 1)!.ctrl)).toEqual(Array(6).fill(0.5));
    } finally {
      env.close();
    }
  });

  it('check their options, naming the field, the value and what is valid', async () => {
    const cases: [Promise<unknown>, RegExp][] = [
      [hopperV5({ mujoco, ctrlCostWeight: Number.NaN }), /^Hopper-v5: ctrlCostWeight must be a finite number \(got NaN\)$/],
      [hopperV5({ mujoco, resetNoiseScale: -1 }), /^Hopper-v5: resetNoiseScale must be a finite number ≥ 0 \(got -1\)$/],
      [hopperV5({ mujoco, maxEpisodeSteps: 0 }), /^Hopper-v5: maxEpisodeSteps must be a positive integer \(got 0\)$/],
      [hopperV5({ mujoco, healthyZRange: [1, 0.5] }), /^Hopper-v5: healthyZRange must be \[low, high\] with low < high .*\(got \[1,0.5\]\)$/],
      [hopperV5({ mujoco, frameSkip: 2 } as never), /^Hopper-v5: unknown option 'frameSkip' \(valid: mujoco, name, .*\)$/],
      [halfCheetahV5({ mujoco, healthyReward: 1 } as never), /^HalfCheetah-v5: option 'healthyReward' does not apply to this env \(valid: mujoco, name, maxEpisodeSteps, forwardRewardWeight, ctrlCostWeight, resetNoiseScale\)$/],
      [walker2dV5({ mujoco, healthyStateRange: [-1, 1] } as never), /^Walker2d-v5: option 'healthyStateRange' does not apply to this env/],
      [antV5({ mujoco, healthyAngleRange: [-1, 1] } as never), /^Ant-v5: option 'healthyAngleRange' does not apply to this env \(valid: .*contactCostWeight, contactForceRange\)$/],
      [antV5({ mujoco, contactForceRange: [1, 1] }), /^Ant-v5: contactForceRange must be \[low, high\] with low < high/],
      [humanoidV5({ mujoco, contactForceRange: [-1, 1] } as never), /^Humanoid-v5: option 'contactForceRange' does not apply to this env \(valid: .*contactCostWeight, contactCostRange\)$/],
      [humanoidV5({ mujoco, contactCostRange: [10, 0] }), /^Humanoid-v5: contactCostRange must be \[low, high\] with low < high/],
      [mujocoEnv('Ant-v9', { mujoco }), /^unknown MuJoCo env 'Ant-v9' \(valid: Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5, Humanoid-v5\)$/],
    ];
    for (const [made, message] of cases) await expect(made).rejects.toThrow(message);
    const custom = await mujocoEnv('hopper-V5', { mujoco, name: 'my-hopper', maxEpisodeSteps: 200, healthyReward: 0.5, terminateWhenUnhealthy: false });
    try {
      expect([custom.name, custom.maxEpisodeSteps, custom.settings.healthyReward, custom.settings.terminateWhenUnhealthy]).toEqual(['my-hopper', 200, 0.5, false]);
      expect(custom.settings.health).toEqual({ kind: 'planar', z: [0.7, Infinity], angle: [-0.2, 0.2], state: [-100, 100] });
    } finally {
      custom.close();
    }
  });
});
