/**
 * The rollout encoder against the same pieces run one at a time: a fixed random policy's T steps
 * recorded on the GPU in one submit must equal (1) a second VectorEnv stepped from the host with the
 * recorded actions, bit for bit (observations, rewards, flags, final observations, episode
 * statistics), (2) the float64 reference MLP and categorical head on the recorded observations,
 * with the Philox draw of (seed, ACTION_STREAM), counter (0, n, t, iteration) (actions where the
 * draw is not within f32 error of a CDF boundary; log-probabilities to 1e-5), and (3) the float64
 * critic on observations and final observations (values, lastValues, finalValues where truncated).
 * A short step limit makes truncations happen; odd sizes (N = 5, T = 41). Run on CartPole (2
 * actions) and on a random walk of 1 000 actions (the categorical sampler streaming long rows). Then
 * a PPO trainer on that walk: with one update of one minibatch, the update's only forward is at
 * θ_old, so its log p_new must equal the rollout's log p_old bit for bit (approx_kl and clipfrac 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/algos/index';
import { createVectorEnv, registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { readBufferOnce } from '../../src/gpu/index';
import { initialParameters } from '../../src/nn/init';
import { actorSpec, criticSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { createBufferWithData } from '../../src/gpu/buffers';
import { ACTION_STREAM, createRollout } from '../../src/rollout/index';
import { categoricalLogProb, categoricalSample } from '../reference/heads';
import { mlpForward } from '../reference/mlp';
import { cdfBoundaryDistance, philox4x32, uniformFromBits } from '../reference/philox';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, step } from '../support/vector-env';
import { RANDOM_WALK } from '../support/random-walk-env';
import { runAll } from '../support/trainer';

const N = 5;
const T = 41;
const ITERATION = 3;
/** A random walk of 1 000 actions: action a drifts by (a − 1)·2e-4, so some episodes end at the edge and some run into the step limit. */
const WIDE_WALK = { ...RANDOM_WALK, id: 'WideWalk-v0', actionSpace: { kind: 'discrete' as const, n: 1000 }, params: { step_size: 2e-4, noise: 0.1, edge: 1.5 } };

function randomParameters(layout: MlpLayout, random: () => number): Float32Array<ArrayBuffer> {
  const params = new Float32Array(layout.parametersPerAgent);
  for (const layer of layout.layers) {
    const scale = 2 / Math.sqrt(layer.inputSize);
    for (let i = 0; i < layer.weight.length; i += 1) params[layer.weight.offset + i] = (random() * 2 - 1) * scale;
    for (let i = 0; i < layer.bias.length; i += 1) params[layer.bias.offset + i] = (random() * 2 - 1) * 0.2;
  }
  return params;
}

const rowsOf = (values: Float32Array, count: number, width: number) =>
  Array.from({ length: count }, (_, r) => values.subarray(r * width, (r + 1) * width));

describe('rollout encoder', () => {
  const gpu = useGpu();
  beforeAll(() => void registerCustomEnv(WIDE_WALK));
  afterAll(() => unregisterEnv(WIDE_WALK.id));

  it.each([
    { env: 'CartPole-v1', OBS: 4, actions: 2, kernels: 'fused' as const },
    { env: 'CartPole-v1', OBS: 4, actions: 2, kernels: 'layerwise' as const },
    { env: WIDE_WALK.id, OBS: 1, actions: 1000, kernels: 'layerwise' as const },
  ])('records T steps of N envs in one submit, as the env, the heads and the critic produce them one at a time ($env, $actions actions, $kernels)', async ({ env: envId, OBS, actions, kernels }) => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const actor = mlpLayout(actorSpec(OBS, actions, [16, 16]));
    const critic = mlpLayout(criticSpec(OBS, [16, 16]));
    const actorParams = randomParameters(actor, random);
    const criticParams = initialParameters(critic, seed);
    // A limit near the shortest CartPole fall (about 9 steps of one push), so every run truncates
    // episodes (the finalValues check needs some; at 13, seed 4257703830 truncated none).
    const envOptions = { numEnvs: N, seed, maxEpisodeSteps: 10 };
    const env = await createVectorEnv(device, envId, envOptions);
    const replay = await createVectorEnv(device, envId, envOptions);
    const rollout = await createRollout(device, { env, steps: T, actor, critic, seed, kernels });
    const actorBuffer = createBufferWithData(device, 'test.actor', actorParams);
    const criticBuffer = createBufferWithData(device, 'test.critic', criticParams);
    try {
      const b = rollout.transitions.buffers;
      const read = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
      const readU32 = async (buffer: GPUBuffer) => new Uint32Array(await readBufferOnce(device, buffer));
      const recorded = await gpuStep(gpu(), 'rollout', async () => {
        rollout.prepare(ITERATION);
        const encoder = device.createCommandEncoder();
        rollout.encodeReset(encoder);
        rollout.encode(encoder, { actor: actorBuffer, critic: criticBuffer });
        device.queue.submit([encoder.finish()]);
        return {
          observations: await read(b.observations),
          actions: await readU32(b.actions),
          logProbs: await read(b.logProbs),
          values: await read(b.values),
          rewards: await read(b.rewards),
          terminated: await readU32(b.terminated),
          truncated: await readU32(b.truncated),
          finalObservations: await read(b.finalObservations),
          finalValues: await read(b.finalValues),
          lastValues: await read(b.lastValues),
          episodeReturns: await read(b.episodeReturns),
          episodeLengths: await readU32(b.episodeLengths),
        };
      });

      // (1) the env, stepped from the host with the recorded actions.
      await reset(gpu(), replay);
      let checkedActions = 0;
      for (let t = 0; t < T; t += 1) {
        const before = await replay.read();
        expect([...recorded.observations.subarray(t * N * OBS, (t + 1) * N * OBS)], `observations[${t}], seed ${seed}`).toEqual([...before.observations]);
        // (2) the policy on those observations.
        const logits = mlpForward(actor, actorParams, rowsOf(before.observations, N, OBS)).outputs.policy!;
        for (let n = 0; n < N; n += 1) {
          const row = Array.from(logits[n]!);
          const u = uniformFromBits(philox4x32([0, n, t, ITERATION], [seed, ACTION_STREAM])[0]);
          const action = recorded.actions[t * N + n]!;
          if (cdfBoundaryDistance(row, u) > 1e-5) {
            expect(action, `action (${t}, ${n}), seed ${seed}`).toBe(categoricalSample(row, undefined, u));
            checkedActions += 1;
          }
          expect(Math.abs(recorded.logProbs[t * N + n]! - categoricalLogProb(row, undefined, action))).toBeLessThan(1e-5);
        }
        replay.writeActions(recorded.actions.slice(t * N, (t + 1) * N));
        await step(gpu(), replay);
        const after = await replay.read();
        const at = (values: Float32Array | Uint32Array) => [...values.subarray(t * N, (t + 1) * N)];
        expect(at(recorded.rewards), `rewards[${t}]`).toEqual([...after.rewards]);
        expect(at(recorded.terminated), `terminated[${t}]`).toEqual([...after.terminated]);
        expect(at(recorded.truncated), `truncated[${t}]`).toEqual([...after.truncated]);
        expect(at(recorded.episodeReturns), `episodeReturns[${t}]`).toEqual([...after.episodeReturns]);
        expect(at(recorded.episodeLengths), `episodeLengths[${t}]`).toEqual([...after.episodeLengths]);
        expect([...recorded.finalObservations.subarray(t * N * OBS, (t + 1) * N * OBS)], `finalObservations[${t}]`).toEqual([...after.finalObservations]);
      }
      const last = await replay.read();
      expect([...recorded.observations.subarray(T * N * OBS)], 'observations[T]').toEqual([...last.observations]);
      expect(checkedActions).toBeGreaterThan(0.9 * T * N);

      // (3) the critic, in float64.
      const values = mlpForward(critic, criticParams, rowsOf(recorded.observations, (T + 1) * N, OBS)).outputs.value!;
      const finals = mlpForward(critic, criticParams, rowsOf(recorded.finalObservations, T * N, OBS)).outputs.value!;
      let truncations = 0;
      let terminations = 0;
      for (let i = 0; i < T * N; i += 1) {
        expect(Math.abs(recorded.values[i]! - values[i]![0]!), `values[${i}]`).toBeLessThan(1e-5);
        if (recorded.truncated[i]) {
          truncations += 1;
          expect(Math.abs(recorded.finalValues[i]! - finals[i]![0]!), `finalValues[${i}]`).toBeLessThan(1e-5);
        }
        if (recorded.terminated[i]) terminations += 1;
      }
      for (let n = 0; n < N; n += 1) expect(Math.abs(recorded.lastValues[n]! - values[T * N + n]![0]!)).toBeLessThan(1e-5);
      console.log(`[rollout] ${envId} T=${T} N=${N}: ${terminations} terminations, ${truncations} truncations, ${checkedActions} actions checked (seed ${seed})`);
      expect(truncations).toBeGreaterThan(0);
    } finally {
      rollout.destroy();
      env.destroy();
      replay.destroy();
      actorBuffer.destroy();
      criticBuffer.destroy();
    }
  });

  it('PPO on the 1 000-action walk: the update\'s first log p_new equals the rollout\'s log p_old bit for bit', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    // One epoch of one minibatch: the update's forward runs at θ_old, so ρ = exp(log p_new − log p_old) = 1 exactly iff the two agree.
    const trainer = await createTrainer(device, { algo: 'ppo', env: WIDE_WALK.id, seed, numEnvs: 4, numSteps: 16, totalTimesteps: 2 * 64, updateEpochs: 1, numMinibatches: 1 });
    try {
      const reports = await gpuStep(gpu(), 'ppo on the wide walk', () => runAll(trainer));
      expect(reports.length).toBe(2);
      for (const report of reports) {
        const { approx_kl, clipfrac, entropy } = report.statistics;
        console.log(`[rollout] PPO on ${WIDE_WALK.id}, iteration ${report.iteration}: approx_kl ${approx_kl}, clipfrac ${clipfrac}, entropy ${entropy.toFixed(4)} (log 1000 = ${Math.log(1000).toFixed(4)}), seed ${seed}`);
        expect([approx_kl, clipfrac], `seed ${seed}, iteration ${report.iteration}`).toEqual([0, 0]);
        // A near-uniform initial policy over 1 000 actions (the policy head's small gain).
        expect(Math.abs(entropy - Math.log(1000)), `seed ${seed}`).toBeLessThan(0.01);
      }
    } finally {
      trainer.destroy();
    }
  });
});
