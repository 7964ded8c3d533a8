/**
 * A population rollout is G independent rollouts in the same dispatches: with G = 3 agents, per-agent
 * seeds [s0, s1, s2] (for the envs and the action draws) and per-agent parameters [G][P], agent g's
 * slice of every transition field must equal a G = 1 rollout of N/G envs seeded s_g with agent g's
 * parameters: observations, actions, log-probabilities, rewards, flags, values, final and last
 * values, episode statistics. Checked over two iterations (the env and normaliser states carry
 * over), for a discrete env (CartPole) and for a continuous one (Pendulum: Gaussian policy, with
 * observation normalisation and reward scaling, whose statistics are per agent).
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, policyOutputWidth } from '../../src/envs/index';
import { createBufferWithData } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/readback';
import { actorSpec, criticSpec, gaussianActorSpec, mlpLayout, type MlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { createRollout, type RolloutConfig } from '../../src/rollout/index';
import type { TransitionField } from '../../src/rollout/transitions';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { randomParameters } from '../support/random-parameters';

const G = 3;
const B = 5;
const T = 13;
const ITERATIONS = 2;

/** Fields in [T][N] (or [T + 1][N], [N]) order with `width` words per (t, n). */
const FIELDS: readonly { field: TransitionField; times: number; width: (obs: number, action: number) => number }[] = [
  { field: 'observations', times: T + 1, width: (obs) => obs },
  { field: 'finalObservations', times: T, width: (obs) => obs },
  { field: 'actions', times: T, width: (_, action) => action },
  { field: 'logProbs', times: T, width: () => 1 },
  { field: 'rewards', times: T, width: () => 1 },
  { field: 'terminated', times: T, width: () => 1 },
  { field: 'truncated', times: T, width: () => 1 },
  { field: 'values', times: T, width: () => 1 },
  { field: 'finalValues', times: T, width: () => 1 },
  { field: 'lastValues', times: 1, width: () => 1 },
  { field: 'episodeReturns', times: T, width: () => 1 },
  { field: 'episodeLengths', times: T, width: () => 1 },
];

describe('population rollout', () => {
  const gpu = useGpu();

  const cases: { env: string; actor: (obs: number, actions: number) => MlpSpec; options: Partial<RolloutConfig> }[] = [
    { env: 'CartPole-v1', actor: (obs, n) => actorSpec(obs, n, [16, 16]), options: {} },
    {
      env: 'Pendulum-v1',
      actor: (obs, a) => gaussianActorSpec(obs, a, [16, 16]),
      options: { normalizeObservations: true, normalizeRewards: { gamma: 0.99 } },
    },
  ];

  it('refuses bad population and policy options with errors naming them, before any GPU work', async () => {
    const { device } = gpu();
    await expect(createVectorEnv(device, 'CartPole-v1', { numEnvs: 6, seed: 1, seeds: [1, 2, 3, 4] })).rejects.toThrow(/seeds.*divides numEnvs = 6/);
    await expect(createVectorEnv(device, 'CartPole-v1', { numEnvs: 6, seed: 1, seeds: [1, -2] })).rejects.toThrow(/seeds\[1\]/);
    const env = await createVectorEnv(device, 'CartPole-v1', { numEnvs: 6, seed: 1, seeds: [1, 2] });
    const pendulum = await createVectorEnv(device, 'Pendulum-v1', { numEnvs: 2, seed: 1 });
    try {
      const actor = mlpLayout(actorSpec(4, 2, [8]));
      const critic = mlpLayout(criticSpec(4, [8]));
      const base = { env, steps: 3, actor, critic, seed: 1 };
      await expect(createRollout(device, { ...base, agents: 4 })).rejects.toThrow(/agents must be a positive integer dividing the env's numEnvs = 6 \(got 4\)/);
      await expect(createRollout(device, { ...base, agents: 2, seeds: [1] })).rejects.toThrow(/seeds must hold one seed per agent, 2 \(got 1\)/);
      await expect(createRollout(device, { ...base, agents: 2, seeds: [1, 5] })).rejects.toThrow(/must equal the env's seeds \[1, 2\]/);
      await expect(createRollout(device, { ...base, normalizeRewards: { gamma: 1.5 } })).rejects.toThrow(/normalizeRewards/);
      const pendulumBase = { env: pendulum, steps: 3, critic: mlpLayout(criticSpec(3, [8])), seed: 1 };
      await expect(createRollout(device, { ...pendulumBase, actor: mlpLayout(actorSpec(3, 1, [8])) })).rejects.toThrow(/extras.logStd of length 1/);
    } finally {
      env.destroy();
      pendulum.destroy();
    }
  });

  for (const c of cases) {
    it(`G = ${G} with seeds equals ${G} single-agent rollouts of N/G envs (${c.env}${c.options.normalizeObservations ? ', normalisers' : ''})`, async () => {
      const { device } = gpu();
      const seed = freshSeed();
      const random = seededRandom(seed);
      const seeds = Array.from({ length: G }, () => Math.floor(random() * 2 ** 32));
      const envOptions = { maxEpisodeSteps: 7 };
      const env = await createVectorEnv(device, c.env, { ...envOptions, numEnvs: G * B, seed: seeds[0]!, seeds });
      const OBS = env.observationSize;
      const space = env.descriptor.actionSpace;
      const actionCount = policyOutputWidth(space);
      const actor = mlpLayout(c.actor(OBS, actionCount));
      const critic = mlpLayout(criticSpec(OBS, [16, 16]));
      const actorParams = randomParameters(actor, G, random);
      const criticParams = randomParameters(critic, G, random);
      const created: { destroy(): void }[] = [env];
      const read = async (buffer: GPUBuffer) => new Uint32Array(await readBufferOnce(device, buffer));
      try {
        const run = async (rolloutEnv: typeof env, agents: number, rolloutSeeds: number[], actorData: Float32Array<ArrayBuffer>, criticData: Float32Array<ArrayBuffer>) => {
          const rollout = await createRollout(device, { env: rolloutEnv, steps: T, actor, critic, seed: rolloutSeeds[0]!, seeds: rolloutSeeds, agents, ...c.options });
          const actorBuffer = createBufferWithData(device, 'test.actor', actorData);
          const criticBuffer = createBufferWithData(device, 'test.critic', criticData);
          created.push(rollout, actorBuffer, criticBuffer);
          return gpuStep(gpu(), `rollout G = ${agents}`, async () => {
            for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
              rollout.prepare(iteration);
              const encoder = device.createCommandEncoder();
              if (iteration === 0) rollout.encodeReset(encoder);
              rollout.encode(encoder, { actor: actorBuffer, critic: criticBuffer });
              device.queue.submit([encoder.finish()]);
            }
            const record: Partial<Record<TransitionField, Uint32Array>> = {};
            for (const { field } of FIELDS) record[field] = await read(rollout.transitions.buffers[field]);
            return { record, statistics: await rollout.normalisers?.readStatistics() };
          });
        };
        const population = await run(env, G, seeds, actorParams, criticParams);
        const A = space.kind === 'box' ? space.size : 1;
        let compared = 0;
        for (let g = 0; g < G; g += 1) {
          const single = await createVectorEnv(device, c.env, { ...envOptions, numEnvs: B, seed: seeds[g]! });
          created.push(single);
          const slice = (data: Float32Array, P: number) => data.slice(g * P, (g + 1) * P);
          const alone = await run(single, 1, [seeds[g]!], slice(actorParams, actor.parametersPerAgent), slice(criticParams, critic.parametersPerAgent));
          for (const { field, times, width } of FIELDS) {
            const w = width(OBS, A);
            const got = population.record[field]!;
            const want = alone.record[field]!;
            for (let t = 0; t < times; t += 1) {
              const from = (t * G * B + g * B) * w;
              // Compared as bits: the same arithmetic on the same rows must give the same words.
              expect([...got.subarray(from, from + B * w)], `${field}[${t}] of agent ${g} (seed ${seed})`).toEqual([...want.subarray(t * B * w, (t + 1) * B * w)]);
              compared += B * w;
            }
          }
          if (population.statistics) {
            const p = population.statistics;
            const a = alone.statistics!;
            expect([...p.observations!.mean.subarray(g * OBS, (g + 1) * OBS)]).toEqual([...a.observations!.mean]);
            expect([...p.observations!.variance.subarray(g * OBS, (g + 1) * OBS)]).toEqual([...a.observations!.variance]);
            expect(p.rewards!.variance[g]).toBe(a.rewards!.variance[0]);
          }
        }
        const truncated = new Uint32Array(population.record.truncated!);
        expect(truncated.reduce((s, v) => s + v, 0), 'some episodes are truncated').toBeGreaterThan(0);
        console.log(`[population rollout] ${c.env}: ${compared} words compared bit for bit (seed ${seed})`);
      } finally {
        for (const object of created.reverse()) object.destroy();
      }
    });
  }
});
