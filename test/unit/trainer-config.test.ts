/**
 * Bad input to the trainers, for every algorithm in ALGORITHMS: an unknown algorithm or env, and
 * invalid hyperparameters (negative learning rate, numMinibatches that does not divide the batch,
 * gamma > 1, a non-integer step count, …) are rejected by createTrainer before any GPU work (the
 * device is a stand-in that fails the test when touched) with a message naming the field, the value
 * and what is valid. A field is tested for an algorithm only when its resolved default config has
 * it (CEM, say, has no learning rate). A discrete env may have up to MAX_DISCRETE_ACTIONS actions.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, createTrainer, resolveTrainerConfig, type TrainerConfig } from '../../src/algos/index';
import { registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { MAX_DISCRETE_ACTIONS } from '../../src/rng/index';
import { RANDOM_WALK } from '../support/random-walk-env';

/** A GPUDevice whose every use fails: proof that validation came first. */
const untouchableDevice = new Proxy({} as GPUDevice, {
  get(_, property) {
    throw new Error(`the GPU device was used (.${String(property)}) before the config was validated`);
  },
});

/** Rejected both by the resolver and by createTrainer (with the same message), without the GPU. */
async function rejection(config: Record<string, unknown>): Promise<string> {
  let resolverMessage = '';
  try {
    resolveTrainerConfig(config as TrainerConfig);
  } catch (error) {
    resolverMessage = (error as Error).message;
  }
  expect(resolverMessage, `${JSON.stringify(config)} was accepted`).not.toBe('');
  await expect(createTrainer(untouchableDevice, config as TrainerConfig)).rejects.toThrow(resolverMessage);
  return resolverMessage;
}

/** Invalid values of numeric fields, with the words of what would be valid. */
const BAD_FIELDS: readonly { field: string; value: unknown; valid: RegExp }[] = [
  { field: 'learningRate', value: -0.001, valid: /≥ 0/ },
  { field: 'learningRate', value: Number.NaN, valid: /finite/ },
  { field: 'gamma', value: 1.5, valid: /\[0, 1\]/ },
  { field: 'gamma', value: -0.1, valid: /\[0, 1\]/ },
  { field: 'gaeLambda', value: 2, valid: /\[0, 1\]/ },
  { field: 'totalTimesteps', value: 1000.5, valid: /positive integer/ },
  { field: 'totalTimesteps', value: 0, valid: /positive integer/ },
  { field: 'numEnvs', value: 0, valid: /positive integer|integer in \[1, / },
  { field: 'numSteps', value: 12.5, valid: /positive integer|integer in \[1, / },
  { field: 'seed', value: -1, valid: /\[0, 4294967295\]/ },
  { field: 'entCoef', value: -0.01, valid: /≥ 0/ },
  { field: 'clipCoef', value: -0.2, valid: /> 0|≥ 0/ },
  { field: 'updateEpochs', value: 0, valid: /positive integer|integer in \[1, / },
  { field: 'hiddenSizes', value: [], valid: /non-empty array/ },
  { field: 'annealLr', value: 'yes', valid: /true or false/ },
  { field: 'initialLogStd', value: 3, valid: /number in \[-10, 2\]/ },
  { field: 'initialLogStd', value: Number.NaN, valid: /number in \[-10, 2\]/ },
];

const show = (value: unknown) => (typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `[${value.join(', ')}]` : String(value));

describe('trainer config: bad input is rejected before any GPU work', () => {
  it('an unknown algorithm names the valid ones', async () => {
    expect(await rejection({ algo: 'sac' })).toBe(`unknown algorithm 'sac' (valid: ${ALGORITHMS.join(', ')})`);
    expect(await rejection({ algo: 42 })).toBe(`unknown algorithm '42' (valid: ${ALGORITHMS.join(', ')})`);
  });

  for (const algo of ALGORITHMS) {
    describe(algo, () => {
      const defaults = resolveTrainerConfig({ algo } as TrainerConfig) as unknown as Record<string, unknown>;
      // CEM sizes its batch as populationSize × envsPerCandidate × numSteps (numEnvs is derived, not
      // an input) and searches a linear policy by default (hiddenSizes [] is valid there).
      const notAnInput = (field: string) => algo === 'cem' && (field === 'numEnvs' || field === 'hiddenSizes');

      it('a valid config does reach the device (the stand-in would catch early GPU work)', async () => {
        await expect(createTrainer(untouchableDevice, { algo } as TrainerConfig)).rejects.toThrow(/the GPU device was used/);
      });

      it('an unknown env names the valid ones', async () => {
        expect(await rejection({ algo, env: 'Pong-v5' })).toMatch(/^unknown env 'Pong-v5' \(valid: .*CartPole-v1/);
      });

      it('a discrete env of MAX_DISCRETE_ACTIONS = 1 024 actions is accepted; one of 1 025 is refused naming the env, the count and the limit', async () => {
        registerCustomEnv({ ...RANDOM_WALK, id: 'Wide1024-v0', actionSpace: { kind: 'discrete', n: MAX_DISCRETE_ACTIONS } });
        registerCustomEnv({ ...RANDOM_WALK, id: 'Wide1025-v0', actionSpace: { kind: 'discrete', n: MAX_DISCRETE_ACTIONS + 1 } });
        try {
          expect(() => resolveTrainerConfig({ algo, env: 'Wide1024-v0' } as TrainerConfig)).not.toThrow();
          expect(await rejection({ algo, env: 'Wide1025-v0' })).toBe(
            `${algo}: env must be an env with at most 1024 discrete actions (MAX_DISCRETE_ACTIONS); 'Wide1025-v0' has 1025 (got 'Wide1025-v0')`,
          );
        } finally {
          unregisterEnv('Wide1024-v0');
          unregisterEnv('Wide1025-v0');
        }
      });

      it('an unknown field names the known ones', async () => {
        expect(await rejection({ algo, learningrate: 0.1 })).toMatch(new RegExp(`^${algo}: unknown field 'learningrate' \\(known fields: .*\\)`));
      });

      for (const { field, value, valid } of BAD_FIELDS) {
        it(`${field} = ${show(value)}`, async (context) => {
          if (!(field in defaults) || notAnInput(field)) context.skip();
          const message = await rejection({ algo, [field]: value });
          expect(message.startsWith(`${algo}: ${field} must be `), message).toBe(true);
          expect(message.endsWith(`(got ${show(value)})`), message).toBe(true);
          expect(message).toMatch(valid);
        });
      }

      it('numMinibatches must divide the batch', async (context) => {
        if (!('numMinibatches' in defaults)) context.skip();
        const config = { algo, numEnvs: 3, numSteps: 7, totalTimesteps: 210, numMinibatches: 2 };
        expect(await rejection(config)).toBe(`${algo}: numMinibatches must be a divisor of the batch numEnvs × numSteps = 21 (got 2)`);
      });

      it('initialLogStd ≠ 0 is refused for a discrete action space', async (context) => {
        if (!('initialLogStd' in defaults)) context.skip();
        expect(await rejection({ algo, env: 'CartPole-v1', initialLogStd: -1 })).toBe(
          `${algo}: initialLogStd must be 0 for a discrete action space (it sets a Gaussian policy's initial log σ: box and hybrid spaces) (got -1)`,
        );
        expect(() => resolveTrainerConfig({ algo, env: 'Pendulum-v1', initialLogStd: -1 } as TrainerConfig)).not.toThrow();
      });

      it('totalTimesteps must hold one batch', async (context) => {
        if (notAnInput('numEnvs')) context.skip();
        const message = await rejection({ algo, numEnvs: 4, numSteps: 16, totalTimesteps: 63 });
        expect(message).toBe(`${algo}: totalTimesteps must be at least one batch, numEnvs × numSteps = 64 (got 63)`);
      });
    });
  }
});
