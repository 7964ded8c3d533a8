/**
 * The host (JavaScript) env adapter on a real device: a CartPole-like toy stepped through the
 * adapter against the same toy stepped directly on the CPU (with the wrapper's done convention
 * written out again here, and the draws replayed by the independent BigInt Philox), truncation and
 * auto-reset semantics, the NaN/Inf rejection message, action checks, and that a step creates no
 * buffer and makes exactly one readback.
 */
import { describe, expect, it } from 'vitest';
import { gpuCounters } from '../../src/gpu/index';
import { createHostVectorEnv, type HostEnv, type HostRandom, type HostVectorEnvSnapshot } from '../../src/envs/host-env';
import { ENV_RESET_PHASE, ENV_STREAM } from '../../src/envs/kernels';
import { philox4x32, uniformFromBits } from '../reference/philox';
import { freshSeed, seededRandom } from '../support/random';
import { gpuStep, useGpu } from '../support/gpu';
import { zeroHostSnapshot } from '../support/vector-env';

// ---- a CartPole-like toy (Gymnasium's cartpole.py equations), one state per instance ---------------------------

const TAU = 0.02;
const THETA_LIMIT = (12 * 2 * Math.PI) / 360;

function cartPoleStep(state: readonly number[], action: number): number[] {
  const [x, xDot, theta, thetaDot] = state as [number, number, number, number];
  const force = action === 1 ? 10 : -10;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const temp = (force + 0.05 * thetaDot * thetaDot * sin) / 1.1;
  const thetaAcc = (9.8 * sin - cos * temp) / (0.5 * (4 / 3 - (0.1 * cos * cos) / 1.1));
  const xAcc = temp - (0.05 * thetaAcc * cos) / 1.1;
  return [x + TAU * xDot, xDot + TAU * xAcc, theta + TAU * thetaDot, thetaDot + TAU * thetaAcc];
}
const cartPoleDone = (state: readonly number[]) => Math.abs(state[0]!) > 2.4 || Math.abs(state[2]!) > THETA_LIMIT;
const cartPoleReset = (random: HostRandom) => [0, 0, 0, 0].map(() => -0.05 + 0.1 * random());

/** The toy as a HostEnv: one state array per instance. */
function hostCartPole(numEnvs: number, maxEpisodeSteps: number): HostEnv {
  const states: number[][] = Array.from({ length: numEnvs }, () => [0, 0, 0, 0]);
  return {
    name: 'toy-cartpole',
    observationSize: 4,
    actionSpace: { kind: 'discrete', n: 2 },
    maxEpisodeSteps,
    reset(env, random) {
      states[env] = cartPoleReset(random);
      return states[env]!;
    },
    step(env, action) {
      const next = cartPoleStep(states[env]!, action as number);
      states[env] = next;
      return { observation: next, reward: 1, terminated: cartPoleDone(next) };
    },
  };
}

/** The env draws of (env, phase, episode) replayed from the BigInt Philox: key (seed, ENV_STREAM). */
function replayedUniforms(seed: number, env: number, phase: number, episode: number): HostRandom {
  let block = 0;
  let words: number[] = [];
  return () => {
    if (words.length === 0) words = philox4x32([block++, env, phase, episode], [seed, ENV_STREAM]);
    return uniformFromBits(words.shift()!);
  };
}

/** Direct CPU stepping of N toys with the wrapper's semantics, written out independently. */
class DirectCartPoles {
  states: number[][];
  stepCounts: number[];
  episodes: number[];
  returns: number[];
  constructor(
    private readonly seed: number,
    private readonly numEnvs: number,
    private readonly limit: number,
  ) {
    this.episodes = new Array(numEnvs).fill(0);
    this.stepCounts = new Array(numEnvs).fill(0);
    this.returns = new Array(numEnvs).fill(0);
    this.states = this.episodes.map((episode, env) => cartPoleReset(replayedUniforms(seed, env, ENV_RESET_PHASE, episode)));
  }

  /** One step of every env; the snapshot the adapter should hold afterwards. */
  step(actions: Uint32Array): HostVectorEnvSnapshot {
    const n = this.numEnvs;
    const out = zeroHostSnapshot(n, 4);
    for (let env = 0; env < n; env += 1) {
      const next = cartPoleStep(this.states[env]!, actions[env]!);
      this.stepCounts[env]! += 1;
      this.returns[env]! += 1;
      out.rewards[env] = 1;
      out.finalObservations.set(next, 4 * env);
      const terminated = cartPoleDone(next);
      const truncated = this.stepCounts[env]! >= this.limit;
      out.terminated[env] = Number(terminated);
      out.truncated[env] = Number(truncated);
      if (terminated || truncated) {
        out.episodeReturns[env] = this.returns[env]!;
        out.episodeLengths[env] = this.stepCounts[env]!;
        this.episodes[env]! += 1;
        this.stepCounts[env] = 0;
        this.returns[env] = 0;
        this.states[env] = cartPoleReset(replayedUniforms(this.seed, env, ENV_RESET_PHASE, this.episodes[env]!));
      } else {
        this.states[env] = next;
      }
      out.observations.set(this.states[env]!, 4 * env);
      out.stepCounts[env] = this.stepCounts[env]!;
      out.episodeIndices[env] = this.episodes[env]!;
    }
    return out;
  }
}

const SNAPSHOT_FIELDS = [
  'observations',
  'rewards',
  'terminated',
  'truncated',
  'finalObservations',
  'episodeReturns',
  'episodeLengths',
  'stepCounts',
  'episodeIndices',
] as const;

describe('host env adapter', () => {
  const gpu = useGpu();

  it('steps a host CartPole exactly like direct CPU stepping (7 envs × 123 steps, limit 30)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const numEnvs = 7;
    const limit = 30;
    const envs = await createHostVectorEnv(device, hostCartPole(numEnvs, limit), { numEnvs, seed });
    const direct = new DirectCartPoles(seed, numEnvs, limit);
    const random = seededRandom(seed);
    // A stand-in for the policy's output buffer, copied to the actions inside an encoder.
    const policyActions = device.createBuffer({ label: 'test.policy-actions', size: 4 * numEnvs, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const counts = { terminated: 0, truncated: 0 };
    try {
      await gpuStep(gpu(), 'host cartpole', async () => {
        envs.reset();
        const first = await envs.read();
        expect([...first.observations], `seed ${seed}: reset observations`).toEqual([...Float32Array.from(direct.states.flat())]);
        for (let t = 0; t < 123; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1));
          if (t % 2 === 0) {
            envs.writeActions(actions);
          } else {
            // The in-loop path: the actions arrive by a GPU copy and the readback rides the same submit.
            device.queue.writeBuffer(policyActions, 0, actions);
            const encoder = device.createCommandEncoder({ label: 'test.policy' });
            encoder.copyBufferToBuffer(policyActions, 0, envs.buffers.actions, 0, 4 * numEnvs);
            envs.encodeActionReadback(encoder);
            device.queue.submit([encoder.finish()]);
          }
          await envs.step();
          const expected = direct.step(actions);
          const actual = await envs.read();
          for (const field of SNAPSHOT_FIELDS) {
            expect([...actual[field]], `seed ${seed}, step ${t}: ${field} on the GPU`).toEqual([...expected[field]]);
            expect([...envs.latest[field]], `seed ${seed}, step ${t}: ${field} on the host`).toEqual([...expected[field]]);
          }
          counts.terminated += expected.terminated.reduce((a, b) => a + b, 0);
          counts.truncated += expected.truncated.reduce((a, b) => a + b, 0);
        }
      });
      // The run must have exercised both ways an episode ends.
      expect(counts.terminated, `seed ${seed}`).toBeGreaterThan(0);
      expect(counts.truncated, `seed ${seed}`).toBeGreaterThan(0);
    } finally {
      envs.destroy();
      policyActions.destroy();
    }
  });

  /** Observation [step of the episode, episode index]; reward 1 per step; terminated at `endAt[env]` steps. */
  function counterEnv(endAt: readonly number[], limit: number): HostEnv {
    const steps = endAt.map(() => 0);
    const episodes = endAt.map(() => -1);
    return {
      name: 'counter',
      observationSize: 2,
      actionSpace: { kind: 'discrete', n: 1 },
      maxEpisodeSteps: limit,
      reset(env) {
        steps[env] = 0;
        episodes[env]! += 1;
        return [0, episodes[env]!];
      },
      step(env) {
        steps[env]! += 1;
        return { observation: [steps[env]!, episodes[env]!], reward: 0.5, terminated: steps[env] === endAt[env] };
      },
    };
  }

  it('truncates at the step limit (not terminated), keeps the final observation, resets; both flags when they coincide', async () => {
    const { device } = gpu();
    // env 0 never terminates, env 1 terminates at step 3, env 2 terminates exactly at the limit.
    const envs = await createHostVectorEnv(device, counterEnv([-1, 3, 5], 5), { numEnvs: 3, seed: 7 });
    try {
      await gpuStep(gpu(), 'truncation', async () => {
        envs.reset();
        const snapshots: HostVectorEnvSnapshot[] = [];
        for (let t = 1; t <= 5; t += 1) {
          envs.writeActions(new Uint32Array(3));
          await envs.step();
          snapshots.push(await envs.read());
        }
        const third = snapshots[2]!;
        expect([...third.terminated]).toEqual([0, 1, 0]);
        expect([...third.truncated]).toEqual([0, 0, 0]);
        expect([...third.finalObservations]).toEqual([3, 0, 3, 0, 3, 0]);
        expect([...third.observations]).toEqual([3, 0, 0, 1, 3, 0]);
        expect([...third.episodeReturns]).toEqual([0, 1.5, 0]);
        expect([...third.episodeLengths]).toEqual([0, 3, 0]);
        expect([...third.stepCounts]).toEqual([3, 0, 3]);
        const fifth = snapshots[4]!;
        expect([...fifth.terminated]).toEqual([0, 0, 1]);
        expect([...fifth.truncated]).toEqual([1, 0, 1]);
        // env 0: final observation of step 5, then a fresh episode; env 1 is 2 steps into its second.
        expect([...fifth.finalObservations]).toEqual([5, 0, 2, 1, 5, 0]);
        expect([...fifth.observations]).toEqual([0, 1, 2, 1, 0, 1]);
        expect([...fifth.episodeReturns]).toEqual([2.5, 0, 2.5]);
        expect([...fifth.episodeLengths]).toEqual([5, 0, 5]);
        expect([...fifth.stepCounts]).toEqual([0, 2, 0]);
        expect([...fifth.episodeIndices]).toEqual([1, 1, 1]);
      });
    } finally {
      envs.destroy();
    }
  });

  it('rejects NaN and ±Inf observations naming the env index and the observation index', async () => {
    const { device } = gpu();
    let poison: { env: number; index: number; value: number; inReset: boolean } | null = null;
    const game: HostEnv = {
      name: 'glitchy',
      observationSize: 4,
      actionSpace: { kind: 'discrete', n: 2 },
      maxEpisodeSteps: 100,
      reset(env) {
        const obs = [0, 0, 0, 0];
        if (poison?.inReset && poison.env === env) obs[poison.index] = poison.value;
        return obs;
      },
      step(env) {
        const obs = [1, 1, 1, 1];
        if (poison && !poison.inReset && poison.env === env) obs[poison.index] = poison.value;
        return { observation: obs, reward: 0, terminated: false };
      },
    };
    const envs = await createHostVectorEnv(device, game, { numEnvs: 5, seed: 1 });
    try {
      envs.reset();
      envs.writeActions(new Uint32Array(5));
      poison = { env: 3, index: 2, value: Number.NaN, inReset: false };
      await expect(envs.step()).rejects.toThrow("host env 'glitchy': env 3 returned a non-finite observation from step(): observation[2] is NaN");
      // A failed step leaves instances half-stepped: the adapter insists on a reset.
      poison = null;
      await expect(envs.step()).rejects.toThrow('call reset() before step()');
      poison = { env: 4, index: 0, value: Number.NEGATIVE_INFINITY, inReset: true };
      expect(() => envs.reset()).toThrow('env 4 returned a non-finite observation from reset(): observation[0] is -Infinity');
      poison = { env: 1, index: 3, value: Number.POSITIVE_INFINITY, inReset: false };
      envs.reset();
      await expect(envs.step()).rejects.toThrow('env 1 returned a non-finite observation from step(): observation[3] is Infinity');
      poison = { env: 0, index: 1, value: 1e39, inReset: false };
      envs.reset();
      await expect(envs.step()).rejects.toThrow('env 0 returned a non-finite observation from step(): observation[1] is 1e+39, which overflows float32');
    } finally {
      envs.destroy();
    }
  });

  it('rejects a discrete action out of range before any instance moves; clips box actions to their bounds', async () => {
    const { device } = gpu();
    let steps = 0;
    const discrete = await createHostVectorEnv(device, { ...counterEnv([-1, -1], 10), actionSpace: { kind: 'discrete', n: 3 }, step: () => ((steps += 1), { observation: [0, 0], reward: 0, terminated: false }) }, { numEnvs: 2, seed: 1 });
    const seen: number[][] = [];
    const box = await createHostVectorEnv(
      device,
      {
        name: 'box',
        observationSize: 1,
        actionSpace: { kind: 'box', size: 2, low: [-1, 0], high: [1, 2] },
        maxEpisodeSteps: 10,
        reset: () => [0],
        step: (_env, action) => (seen.push([...(action as Float32Array)]), { observation: [0], reward: 0, terminated: false }),
      },
      { numEnvs: 2, seed: 1 },
    );
    try {
      discrete.reset();
      discrete.writeActions(Uint32Array.of(2, 3));
      await expect(discrete.step()).rejects.toThrow("host env 'counter': action of env 1 is 3, outside the 3 discrete actions (valid: 0 … 2)");
      expect(steps).toBe(0);
      box.reset();
      box.writeActions(Float32Array.of(-5, 5, 0.5, 1.5));
      await box.step();
      expect(seen).toEqual([[-1, 2], [0.5, 1.5]]);
      box.writeActions(Float32Array.of(0, Number.NaN, 0, 0));
      await expect(box.step()).rejects.toThrow('action[1] of env 0 is NaN');
    } finally {
      discrete.destroy();
      box.destroy();
    }
  });

  it('creates no buffer per step and reads back once per step (all N actions)', async () => {
    const { device } = gpu();
    const numEnvs = 64;
    const envs = await createHostVectorEnv(device, hostCartPole(numEnvs, 500), { numEnvs, seed: 3 });
    try {
      envs.reset();
      envs.writeActions(new Uint32Array(numEnvs).fill(1));
      await envs.step();
      const before = { ...gpuCounters(device) };
      for (let t = 0; t < 20; t += 1) await envs.step();
      const after = gpuCounters(device);
      expect(after.buffersCreated - before.buffersCreated).toBe(0);
      expect(after.readbacks - before.readbacks).toBe(20);
      expect(after.bytesReadBack - before.bytesReadBack).toBe(20 * 4 * numEnvs);
    } finally {
      envs.destroy();
    }
  });

  it('reports bad input clearly', async () => {
    const { device } = gpu();
    const toy = hostCartPole(1, 10);
    await expect(createHostVectorEnv(device, toy, { numEnvs: 0, seed: 1 })).rejects.toThrow("host env 'toy-cartpole': numEnvs must be a positive integer (got 0)");
    await expect(createHostVectorEnv(device, toy, { numEnvs: 2, seed: -1 })).rejects.toThrow('seed must be an integer in [0, 4294967295] (got -1)');
    await expect(createHostVectorEnv(device, { ...toy, observationSize: 0 }, { numEnvs: 2, seed: 1 })).rejects.toThrow('observationSize must be a positive integer (got 0)');
    await expect(createHostVectorEnv(device, { ...toy, actionSpace: { kind: 'discrete', n: 0 } }, { numEnvs: 2, seed: 1 })).rejects.toThrow('actionSpace.n must be a positive integer (got 0)');
    const envs = await createHostVectorEnv(device, toy, { numEnvs: 2, seed: 1 });
    try {
      await expect(envs.step()).rejects.toThrow('call reset() before step()');
      envs.reset();
      expect(() => envs.writeActions(new Uint32Array(3))).toThrow('writeActions needs a Uint32Array of 2 actions (got a Uint32Array of 3)');
    } finally {
      envs.destroy();
    }
  });
});
