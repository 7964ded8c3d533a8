/**
 * The rollout with a Gaussian policy (box action spaces): a ~ N(μ(s), σ²) with a learned
 * state-independent log-std, stored unclipped with log π(a|s) summed over dims; the env is stepped
 * with the action clipped to its bounds (CleanRL's ClipAction). Checked in float64 against:
 * - the Philox draw of (seed, ACTION_STREAM), counter (0, n, t, iteration) through Box–Muller: each
 *   recorded action is μ + σ·ε of that draw (μ from the float64 MLP on the recorded observations);
 * - log π of each recorded action, recomputed on the CPU;
 * - over a 17-dim box (Reach-17, test/support/reach-env.ts), dims 4k … 4k + 3 from draw k;
 * - the moments of the standardised actions (a − μ)/σ over a short Pendulum rollout: mean 0 and
 *   variance 1 within 4 standard errors;
 * - clipping, on MountainCarContinuous-v0, whose reward −0.1·a² uses the action the env receives:
 *   the rewards equal −0.1·clip(a, −1, 1)² for the recorded unclipped a, and some |a| exceed 1.
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { createBufferWithData } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/readback';
import { criticSpec, gaussianActorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { ACTION_STREAM, createRollout } from '../../src/rollout/index';
import { gaussianLogProb } from '../reference/heads';
import { mlpForward } from '../reference/mlp';
import { normalPair, philox4x32, uniformFromBits } from '../reference/philox';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reachEnv } from '../support/reach-env';

const ITERATION = 5;

function randomParameters(layout: MlpLayout, random: () => number, logStd: number): Float32Array<ArrayBuffer> {
  const params = new Float32Array(layout.parametersPerAgent);
  for (const layer of layout.layers) {
    const scale = 2 / Math.sqrt(layer.inputSize);
    for (let i = 0; i < layer.weight.length; i += 1) params[layer.weight.offset + i] = (random() * 2 - 1) * scale;
    for (let i = 0; i < layer.bias.length; i += 1) params[layer.bias.offset + i] = (random() * 2 - 1) * 0.2;
  }
  const slot = layout.extras.logStd;
  if (slot) for (let i = 0; i < slot.length; i += 1) params[slot.offset + i] = logStd;
  return params;
}

const rowsOf = (values: Float32Array, count: number, width: number) =>
  Array.from({ length: count }, (_, r) => values.subarray(r * width, (r + 1) * width));

describe('Gaussian rollout', () => {
  const gpu = useGpu();

  async function record(envId: string, N: number, T: number, logStd: number) {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const env = await createVectorEnv(device, envId, { numEnvs: N, seed, maxEpisodeSteps: 11 });
    const OBS = env.observationSize;
    const A = env.actionSize;
    const actor = mlpLayout(gaussianActorSpec(OBS, A, [16, 16]));
    const critic = mlpLayout(criticSpec(OBS, [16, 16]));
    const actorParams = randomParameters(actor, random, logStd);
    const rollout = await createRollout(device, { env, steps: T, actor, critic, seed });
    const actorBuffer = createBufferWithData(device, 'test.actor', actorParams);
    const criticBuffer = createBufferWithData(device, 'test.critic', randomParameters(critic, random, 0));
    try {
      const b = rollout.transitions.buffers;
      const read = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
      // Poisoned first, so an unwritten action or log-probability shows up as NaN.
      device.queue.writeBuffer(b.actions, 0, new Float32Array(b.actions.size / 4).fill(NaN));
      device.queue.writeBuffer(b.logProbs, 0, new Float32Array(b.logProbs.size / 4).fill(NaN));
      const recorded = await gpuStep(gpu(), 'gaussian rollout', async () => {
        rollout.prepare(ITERATION);
        const encoder = device.createCommandEncoder();
        rollout.encodeReset(encoder);
        rollout.encode(encoder, { actor: actorBuffer, critic: criticBuffer });
        device.queue.submit([encoder.finish()]);
        return { observations: await read(b.observations), actions: await read(b.actions), logProbs: await read(b.logProbs), rewards: await read(b.rewards) };
      });
      expect(rollout.policy).toBe('gaussian');
      expect(rollout.transitions.actionSize).toBe(A);
      const means = mlpForward(actor, actorParams, rowsOf(recorded.observations, T * N, OBS)).outputs.policy!;
      const logStds = Array.from(actorParams.subarray(actor.extras.logStd!.offset, actor.extras.logStd!.offset + A));
      return { seed, recorded, means, logStds, A, N, T, space: env.descriptor.actionSpace };
    } finally {
      rollout.destroy();
      env.destroy();
      actorBuffer.destroy();
      criticBuffer.destroy();
    }
  }

  it('samples μ + σ·ε from the Philox draw, with log π recomputed in float64, and N(μ, σ²) moments (Pendulum)', async () => {
    const N = 61;
    const T = 17;
    const logStd = Math.log(0.7);
    const { seed, recorded, means, logStds, A } = await record('Pendulum-v1', N, T, logStd);
    const sigma = Math.exp(Math.fround(logStd));
    let sum = 0;
    let squares = 0;
    for (let t = 0; t < T; t += 1) {
      for (let n = 0; n < N; n += 1) {
        const i = t * N + n;
        const mean = Array.from(means[i]!);
        const action = Array.from(recorded.actions.subarray(i * A, (i + 1) * A));
        const words = philox4x32([0, n, t, ITERATION], [seed, ACTION_STREAM]);
        const noise = [...normalPair(uniformFromBits(words[0]), uniformFromBits(words[1])), ...normalPair(uniformFromBits(words[2]), uniformFromBits(words[3]))];
        for (let d = 0; d < A; d += 1) {
          // Box–Muller's cos/sin may err by 2^-11 in WGSL (SwiftShader's by ~2e-4).
          expect(Math.abs(action[d]! - (mean[d]! + sigma * noise[d]!)), `action (${t}, ${n}, ${d}), seed ${seed}`).toBeLessThan(2e-3);
          const z = (action[d]! - mean[d]!) / sigma;
          sum += z;
          squares += z * z;
        }
        const logProb = gaussianLogProb(action, mean, logStds);
        expect(Math.abs(recorded.logProbs[i]! - logProb), `log π (${t}, ${n}), seed ${seed}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(logProb)));
      }
    }
    const count = T * N * A;
    const zMean = sum / count;
    const zVariance = squares / count - zMean * zMean;
    console.log(`[gaussian rollout] ${count} actions: standardised mean ${zMean.toFixed(4)}, variance ${zVariance.toFixed(4)} (seed ${seed})`);
    expect(Math.abs(zMean)).toBeLessThan(4 / Math.sqrt(count));
    expect(Math.abs(zVariance - 1)).toBeLessThan(4 * Math.sqrt(2 / count));
  });

  it('draws dims 4k … 4k + 3 from Philox draw k over a 17-dim box (Reach-17), log π summed over every dim', async () => {
    const N = 7;
    const T = 5;
    registerCustomEnv(reachEnv(17));
    try {
      const { seed, recorded, means, logStds, A } = await record(reachEnv(17).id, N, T, Math.log(0.6));
      expect(A).toBe(17);
      for (let t = 0; t < T; t += 1) {
        for (let n = 0; n < N; n += 1) {
          const i = t * N + n;
          const mean = Array.from(means[i]!);
          const action = Array.from(recorded.actions.subarray(i * A, (i + 1) * A));
          for (let d = 0; d < A; d += 1) {
            const words = philox4x32([Math.floor(d / 4), n, t, ITERATION], [seed, ACTION_STREAM]);
            const k = d % 4 < 2 ? 0 : 2;
            const noise = normalPair(uniformFromBits(words[k]!), uniformFromBits(words[k + 1]!))[d % 2]!;
            expect(Math.abs(action[d]! - (mean[d]! + Math.exp(logStds[d]!) * noise)), `action (${t}, ${n}, ${d}), seed ${seed}`).toBeLessThan(2e-3);
          }
          const logProb = gaussianLogProb(action, mean, logStds);
          expect(Math.abs(recorded.logProbs[i]! - logProb), `log π (${t}, ${n}), seed ${seed}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(logProb)));
        }
      }
    } finally {
      unregisterEnv(reachEnv(17).id);
    }
  });

  it('stores the unclipped action and steps the env with it clipped to the bounds (MountainCarContinuous)', async () => {
    const N = 13;
    const T = 19;
    const { seed, recorded, A, space } = await record('MountainCarContinuous-v0', N, T, 0);
    expect(space.kind === 'box' && space.high[0]).toBe(1);
    let outside = 0;
    for (let i = 0; i < T * N; i += 1) {
      const a = recorded.actions[i * A]!;
      if (Math.abs(a) > 1) outside += 1;
      const clipped = Math.min(1, Math.max(-1, a));
      // No episode reaches the goal in 19 random steps from the valley floor, so r = −0.1·clip(a)².
      expect(Math.abs(recorded.rewards[i]! - -0.1 * clipped * clipped), `reward ${i}: a = ${a}, seed ${seed}`).toBeLessThan(1e-6);
    }
    expect(outside, 'some sampled actions lie outside [−1, 1]').toBeGreaterThan(0);
  });
});
