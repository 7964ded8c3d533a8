/**
 * The generic env wrapper's semantics, on CartPole-v1 (reference: test/reference/envs/cartpole.ts):
 * randomness independent of dispatch shape and env count, episode statistics emitted when an
 * episode ends, both flags when termination meets the step limit, per-run params, refused
 * out-of-range actions, and clear errors for bad input.
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, lookupEnv, UnknownEnvError, type VectorEnv } from '../../src/envs/index';
import { CARTPOLE_CONSTANTS, cartPoleStep } from '../reference/envs/cartpole';
import { freshSeed, seededRandom } from '../support/random';
import { useGpu } from '../support/gpu';
import { poisonStepOutputs, reset, row, step } from '../support/vector-env';

describe('env wrapper', () => {
  const gpu = useGpu();

  /** Resets, then steps `steps` times with actions from `seed`; returns the final snapshot. */
  async function run(env: VectorEnv, actionSeed: number, steps: number) {
    const random = seededRandom(actionSeed);
    await reset(gpu(), env);
    for (let t = 0; t < steps; t += 1) {
      env.writeActions(Uint32Array.from({ length: env.numEnvs }, () => (random() < 0.5 ? 0 : 1)));
      await step(gpu(), env);
    }
    return env.read();
  }

  it('gives the same results for any workgroup size and env count (draws keyed by env, episode, step)', async () => {
    const seed = freshSeed();
    const results = [];
    for (const [numEnvs, workgroupSize] of [
      [300, 64],
      [300, 1],
      [300, 256],
    ] as const) {
      const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed, workgroupSize, maxEpisodeSteps: 7 });
      try {
        results.push(await run(env, 42, 30)); // 30 steps with a limit of 7: several auto-resets
      } finally {
        env.destroy();
      }
    }
    for (const other of results.slice(1)) {
      expect([...other.states], `seed ${seed}`).toEqual([...results[0]!.states]);
      expect([...other.episodeIndices]).toEqual([...results[0]!.episodeIndices]);
    }
    // The first 5 of 300 envs reset exactly as 5 envs alone do.
    const small = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs: 5, seed });
    try {
      await reset(gpu(), small);
      const large = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs: 300, seed });
      try {
        await reset(gpu(), large);
        expect([...(await large.read()).states.subarray(0, 20)]).toEqual([...(await small.read()).states]);
      } finally {
        large.destroy();
      }
    } finally {
      small.destroy();
    }
    expect(results[0]!.episodeIndices.every((e) => e >= 4)).toBe(true);
  });

  it('accumulates episode return and length on the GPU and emits them where an episode ends (0 elsewhere)', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 64;
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed });
    try {
      await reset(gpu(), env);
      const lengths = new Array<number>(numEnvs).fill(0);
      let emitted = 0;
      for (let t = 0; t < 60; t += 1) {
        env.writeActions(Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1)));
        poisonStepOutputs(gpu(), env);
        await step(gpu(), env);
        const out = await env.read();
        for (let n = 0; n < numEnvs; n += 1) {
          lengths[n] = lengths[n]! + 1;
          if (out.terminated[n] === 1) {
            expect(out.episodeLengths[n], `seed ${seed}, env ${n}`).toBe(lengths[n]);
            expect(out.episodeReturns[n], `seed ${seed}, env ${n}: CartPole pays 1 per step`).toBe(lengths[n]);
            expect(out.stepCounts[n]).toBe(0);
            lengths[n] = 0;
            emitted += 1;
          } else {
            expect([out.episodeLengths[n], out.episodeReturns[n]]).toEqual([0, 0]);
            expect(out.stepCounts[n]).toBe(lengths[n]);
          }
        }
      }
      expect(emitted, `seed ${seed}`).toBeGreaterThan(numEnvs);
    } finally {
      env.destroy();
    }
  });

  it('sets both terminated and truncated when the terminating step is also the last one (as Gymnasium)', async () => {
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs: 2, seed: 3, maxEpisodeSteps: 1 });
    try {
      await reset(gpu(), env);
      // Env 0 crosses x = 2.4 in this step; env 1 does not.
      env.writeStates(Float32Array.of(2.39, 1, 0, 0, 0, 0, 0, 0));
      env.writeActions(Uint32Array.of(1, 1));
      await step(gpu(), env);
      const out = await env.read();
      expect([...out.terminated]).toEqual([1, 0]);
      expect([...out.truncated]).toEqual([1, 1]);
      expect([...out.episodeLengths]).toEqual([1, 1]);
      const ref = cartPoleStep([2.39, 1, 0, 0], 1);
      row(out.finalObservations, 0, 4).forEach((v, i) => expect(v).toBeCloseTo(ref.state[i]!, 5));
    } finally {
      env.destroy();
    }
  });

  it('applies per-run params (options.params and setParams) and rejects unknown names, listing the valid ones', async () => {
    const seed = freshSeed();
    const params = { ...CARTPOLE_CONSTANTS, force_mag: 20, gravity: 3.7, length: 0.8 };
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', {
      numEnvs: 3,
      seed,
      params: { force_mag: 20, gravity: 3.7, length: 0.8 },
    });
    try {
      const states = Float32Array.of(0.1, -0.2, 0.05, 0.3, -1, 0.5, -0.1, -0.4, 0, 0, 0, 0);
      env.writeStates(states);
      env.writeActions(Uint32Array.of(1, 0, 1));
      await step(gpu(), env);
      const out = await env.read();
      for (let n = 0; n < 3; n += 1) {
        const ref = cartPoleStep(row(states, n, 4), [1, 0, 1][n]!, params);
        row(out.nextStates, n, 4).forEach((v, i) => expect(Math.abs(v - ref.state[i]!)).toBeLessThan(1e-6));
      }
      env.setParams({ tau: 0.04 });
      env.writeStates(states);
      await step(gpu(), env);
      const slower = await env.read();
      const ref = cartPoleStep(row(states, 0, 4), 1, { ...CARTPOLE_CONSTANTS, tau: 0.04 });
      row(slower.nextStates, 0, 4).forEach((v, i) => expect(Math.abs(v - ref.state[i]!)).toBeLessThan(1e-6));
      expect(() => env.setParams({ gravty: 1 })).toThrow(
        "env 'CartPole-v1': unknown param 'gravty' (valid: gravity, masscart, masspole, length, force_mag, tau, x_threshold, theta_threshold_radians)",
      );
      expect(() => env.setParams({ tau: Number.NaN })).toThrow(/param 'tau' must be a finite number \(got NaN\)/);
    } finally {
      env.destroy();
    }
  });

  it('refuses a discrete action out of range: host check in writeActions, GPU flag for actions a kernel wrote', async () => {
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs: 4, seed: 9 });
    try {
      await reset(gpu(), env);
      expect(() => env.writeActions(Uint32Array.of(0, 1, 2, 0))).toThrow(
        'action out of range for a discrete env of 2 actions: env 2 has action 2 (valid: 0 … 1)',
      );
      expect(() => env.writeActions(Uint32Array.of(0, 1))).toThrow(/Uint32Array of numEnvs = 4 actions \(got Uint32Array of length 2\)/);
      expect(() => env.writeActions(Float32Array.of(0, 1, 1, 0))).toThrow(/a discrete env takes a Uint32Array/);
      const before = await env.read();
      gpu().device.queue.writeBuffer(env.buffers.actions, 0, Uint32Array.of(1, 7, 0, 3));
      await step(gpu(), env);
      const after = await env.read();
      // Envs 1 and 3 were not stepped: same state, no step counted, no reward.
      expect(row(after.states, 1, 4)).toEqual(row(before.states, 1, 4));
      expect(row(after.states, 3, 4)).toEqual(row(before.states, 3, 4));
      expect([...after.stepCounts]).toEqual([1, 0, 1, 0]);
      expect([...after.rewards]).toEqual([1, 0, 1, 0]);
      await expect(env.checkActions()).rejects.toThrow(
        'action out of range for a discrete env of 2 actions: 2 env-steps got an action ≥ 2 (first env 1, largest action 7); those envs were not stepped',
      );
      await expect(env.checkActions()).resolves.toBeUndefined();
    } finally {
      env.destroy();
    }
  });

  it('rejects bad input with errors naming the field, the value and what is valid', async () => {
    const { device } = gpu();
    await expect(createVectorEnv(device, 'CartPol-v1', { numEnvs: 1, seed: 0 })).rejects.toThrow(UnknownEnvError);
    await expect(createVectorEnv(device, 'CartPol-v1', { numEnvs: 1, seed: 0 })).rejects.toThrow(
      /unknown env 'CartPol-v1' \(valid: CartPole-v1 \(cartpole\), .*Pendulum-v1 \(pendulum\)/,
    );
    expect(lookupEnv('CARTPOLE').id).toBe('CartPole-v1');
    for (const numEnvs of [0, -3, 2.5, Number.NaN]) {
      await expect(createVectorEnv(device, 'cartpole', { numEnvs, seed: 0 })).rejects.toThrow(`numEnvs must be a positive integer (got ${numEnvs})`);
    }
    await expect(createVectorEnv(device, 'cartpole', { numEnvs: 2, seed: -1 })).rejects.toThrow(/seed must be an integer in \[0, 4294967295\] \(got -1\)/);
    await expect(createVectorEnv(device, 'cartpole', { numEnvs: 2, seed: 0, maxEpisodeSteps: 0 })).rejects.toThrow(
      /options.maxEpisodeSteps must be an integer in \[1, 4294967294\] \(got 0\)/,
    );
    await expect(createVectorEnv(device, 'cartpole', { numEnvs: 2, seed: 0, params: { mass: 1 } })).rejects.toThrow(/unknown param 'mass' \(valid: gravity,/);
    const env = await createVectorEnv(device, 'cartpole', { numEnvs: 2, seed: 0 });
    try {
      expect(() => env.writeStates(new Float32Array(7))).toThrow(/numEnvs × STATE_SIZE = 2 × 4 = 8 floats \(got Float32Array of length 7\)/);
    } finally {
      env.destroy();
    }
  });
});
