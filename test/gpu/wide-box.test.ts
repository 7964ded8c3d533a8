/**
 * Box action spaces up to MAX_ACTION_SIZE = 64 dimensions, through the env wrapper and host envs:
 * the custom WGSL env Reach (test/support/reach-env.ts) at 17, 63 and 64 dims receives each action
 * clipped to its own dimension's bounds, and its reward matches a float64 CPU expectation; a
 * non-finite action written by a kernel, in any dimension, is refused (env not stepped, counted in
 * ActionErrors); a JavaScript game with a 64-dim box gets clipped actions; a box of 65 dims is
 * refused by every entry, naming the field, the value and the limit.
 */
import { describe, expect, it } from 'vitest';
import { createHostVectorEnv, type BatchedHostEnv } from '../../src/envs/host-env';
import { createVectorEnv, customEnv, MAX_ACTION_SIZE, WRAPPER_PARAMS_BYTES } from '../../src/envs/index';
import { REACH_OBS, reachEnv, reachHigh, reachLow, reachTarget, reachWgsl } from '../support/reach-env';
import { freshSeed, seededRandom } from '../support/random';
import { useGpu } from '../support/gpu';
import { reset, step } from '../support/vector-env';

const f32 = Math.fround;
const clip = (a: number, d: number) => Math.min(Math.max(a, f32(reachLow(d))), f32(reachHigh(d)));

/** N actions of `dims` floats, spread over [−3, 3] so that both bounds of every dimension are crossed. */
function wideActions(random: () => number, numEnvs: number, dims: number): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: numEnvs * dims }, () => -3 + 6 * random());
}

describe('box actions of up to MAX_ACTION_SIZE dimensions', () => {
  const gpu = useGpu();

  it('MAX_ACTION_SIZE is 64 and WrapperParams holds the bounds of 64 dims', () => {
    expect(MAX_ACTION_SIZE).toBe(64);
    expect(WRAPPER_PARAMS_BYTES).toBe(16 + 2 * 4 * 64);
  });

  it.each([17, 63, 64])('Reach-%i: each dimension clipped to its own bounds, reward as the float64 expectation', async (dims) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 13;
    const env = await createVectorEnv(gpu().device, customEnv(reachEnv(dims)), { numEnvs, seed });
    const stride = REACH_OBS + dims;
    try {
      await reset(gpu(), env);
      let below = 0;
      let above = 0;
      for (let t = 0; t < 3; t += 1) {
        const contexts = (await env.read()).observations;
        const actions = wideActions(random, numEnvs, dims);
        env.writeActions(actions);
        await step(gpu(), env);
        const out = await env.read();
        for (let n = 0; n < numEnvs; n += 1) {
          const context = contexts.subarray(n * REACH_OBS, (n + 1) * REACH_OBS);
          let loss = 0;
          for (let d = 0; d < dims; d += 1) {
            const a = actions[n * dims + d]!;
            const received = clip(a, d);
            if (a < f32(reachLow(d))) below += 1;
            if (a > f32(reachHigh(d))) above += 1;
            expect(out.nextStates[n * stride + REACH_OBS + d], `seed ${seed}, t ${t}, env ${n}, dim ${d}: a = ${a}`).toBe(received);
            loss += (received - reachTarget(context, d, 0.5)) ** 2;
          }
          const reward = -loss / dims;
          expect(Math.abs(out.rewards[n]! - reward), `seed ${seed}, t ${t}, env ${n}: reward`).toBeLessThan(1e-5 * Math.max(1, Math.abs(reward)));
        }
        expect([...out.stepCounts]).toEqual(new Array(numEnvs).fill(t + 1));
      }
      expect(below, `seed ${seed}: actions below a lower bound`).toBeGreaterThan(0);
      expect(above, `seed ${seed}: actions above an upper bound`).toBeGreaterThan(0);
    } finally {
      env.destroy();
    }
  });

  it('refuses a non-finite action in any dimension of a 64-dim box (the env is not stepped)', async () => {
    const dims = 64;
    const numEnvs = 6;
    const env = await createVectorEnv(gpu().device, customEnv(reachEnv(dims)), { numEnvs, seed: 3 });
    try {
      await reset(gpu(), env);
      const before = (await env.read()).states;
      const actions = new Float32Array(numEnvs * dims).fill(0.25);
      actions[1 * dims + 63] = Number.NaN;
      actions[3 * dims + 16] = Number.POSITIVE_INFINITY;
      actions[4 * dims + 0] = Number.NEGATIVE_INFINITY;
      expect(() => env.writeActions(actions)).toThrow(/action of env 1, dimension 63, must be finite \(got NaN\)/);
      gpu().device.queue.writeBuffer(env.buffers.actions, 0, actions);
      await step(gpu(), env);
      const out = await env.read();
      expect([...out.stepCounts]).toEqual([1, 0, 1, 0, 0, 1]);
      const stride = REACH_OBS + dims;
      for (const n of [1, 3, 4]) {
        expect([...out.nextStates.subarray(n * stride, (n + 1) * stride)], `env ${n}: state kept`).toEqual([...before.subarray(n * stride, (n + 1) * stride)]);
        expect(out.rewards[n]).toBe(0);
      }
      for (const n of [0, 2, 5]) expect(out.nextStates[n * stride + REACH_OBS + dims - 1]).toBe(0.25);
      await expect(env.checkActions()).rejects.toThrow(/non-finite action for env 'Reach64-v0': 3 env-steps .*first env 1/);
    } finally {
      env.destroy();
    }
  });

  it('a JavaScript game with a 64-dim box gets each action clipped to its own bounds; a non-finite one names its dimension', async () => {
    const dims = 64;
    const numEnvs = 5;
    const seed = freshSeed();
    const random = seededRandom(seed);
    const range = Array.from({ length: dims }, (_, d) => d);
    let received = new Float32Array(0);
    const game: BatchedHostEnv = {
      name: 'wide',
      observationSize: 2,
      actionSpace: { kind: 'box', size: dims, low: range.map(reachLow), high: range.map(reachHigh) },
      maxEpisodeSteps: 50,
      resetBatch: (batch, instances) => instances.forEach((i) => batch.observations.fill(0, 2 * i, 2 * i + 2)),
      stepBatch: (batch) => {
        received = Float32Array.from(batch.actions);
        batch.rewards.fill(0);
      },
    };
    const envs = await createHostVectorEnv(gpu().device, game, { numEnvs, seed });
    try {
      envs.reset();
      const actions = wideActions(random, numEnvs, dims);
      envs.writeActions(actions);
      await envs.step();
      // The host clips in float64 against the float64 bounds, then stores float32.
      const expected = Array.from(actions, (a, i) => f32(Math.min(Math.max(a, reachLow(i % dims)), reachHigh(i % dims))));
      expect([...received], `seed ${seed}`).toEqual(expected);
      actions[2 * dims + 40] = Number.NaN;
      envs.writeActions(actions);
      await expect(envs.step()).rejects.toThrow("host env 'wide': action[40] of env 2 is NaN (actions must be finite)");
    } finally {
      envs.destroy();
    }
  });

  it('refuses a box of 65 dims everywhere, naming the field, the value and the limit', async () => {
    const wide = reachEnv(65);
    expect(() => customEnv(wide)).toThrow(/env 'Reach65-v0': actionSpace.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 65\)/);
    // The WGSL says 64 but the descriptor 65: the size limit is reported first.
    expect(() => customEnv({ ...reachEnv(64), actionSpace: wide.actionSpace })).toThrow(/actionSpace.size must be an integer in \[1, 64\] .*\(got 65\)/);
    expect(reachWgsl(65)).toContain('const ACTION_SIZE: u32 = 65u;');
    const game: BatchedHostEnv = { name: 'too-wide', observationSize: 1, actionSpace: wide.actionSpace, maxEpisodeSteps: 5, resetBatch: () => {}, stepBatch: () => {} };
    await expect(createHostVectorEnv(gpu().device, game, { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'too-wide': actionSpace.size must be an integer in [1, 64] (MAX_ACTION_SIZE) (got 65)",
    );
  });
});
