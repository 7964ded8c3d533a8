/**
 * Seat mappings in training (src/train/seat-policies.ts): PPO on "Sides" (two seats that see the
 * same observation and are paid for opposite actions, test/support/seat-games.ts). A policy per
 * seat (`seatPolicies: [0, 1]`, a population of two) learns both sides, each member from its own
 * seat's rows; one shared policy cannot do better than half on average, whatever it learns. And the
 * mapping's bad input, refused before any GPU work, naming the field.
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import { resolvePpoConfig, type PpoConfig } from '../../src/algos/ppo/config';
import { sidesGame, exitsGame } from '../support/seat-games';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';
import { runAll } from '../support/trainer';

const LENGTH = 8;

async function trainSides(device: GPUDevice, config: PpoConfig) {
  const trainer = await createPpoTrainer(device, config);
  try {
    return await runAll(trainer);
  } finally {
    trainer.destroy();
  }
}

describe('seat mappings', () => {
  const gpu = useGpu();
  const base = (seed: number): PpoConfig => ({
    env: sidesGame(LENGTH),
    seed,
    numSteps: 16,
    numMinibatches: 2,
    updateEpochs: 4,
    hiddenSizes: [16],
    learningRate: 1e-2,
    annealLr: false,
    entCoef: 0,
  });

  it('a policy per seat learns both sides of "Sides"; one shared policy earns half', async () => {
    const seed = freshSeed() >>> 1;
    // 8 matches: each policy's 8 rows (its seat in every match); the shared policy's 16 rows.
    const teams = await gpuStep(gpu(), 'two policies', () => trainSides(gpu().device, { ...base(seed), seatPolicies: [0, 1], numEnvs: 8, totalTimesteps: 8 * 16 * 24 }));
    const shared = await gpuStep(gpu(), 'one policy', () => trainSides(gpu().device, { ...base(seed), numEnvs: 16, totalTimesteps: 16 * 16 * 24 }));
    const last = teams.at(-1)!;
    expect(last.agents).toHaveLength(2);
    const perPolicy = last.agents!.map((a) => a.returnMean100);
    const sharedMean = shared.at(-1)!.returnMean100;
    console.log(`[seat-policies] seed ${seed}: per-seat policies return ${perPolicy.map((r) => r.toFixed(2)).join(' / ')} of ${LENGTH}; one shared policy ${sharedMean.toFixed(2)} a seat`);
    // Each member learned its own seat's action (uniform play earns LENGTH / 2 = 4).
    for (const r of perPolicy) expect(r).toBeGreaterThan(0.9 * LENGTH);
    // Whatever one policy plays, the two seats' returns sum to LENGTH.
    expect(Math.abs(sharedMean - LENGTH / 2)).toBeLessThan(0.5);
  });

  it('refuses a bad seat mapping before any GPU work, naming the field', () => {
    const { game } = exitsGame(3, 5);
    const refuse = (config: PpoConfig, message: RegExp) => expect(() => resolvePpoConfig(config)).toThrow(message);
    refuse({ env: 'CartPole-v1', seatPolicies: [0] }, /seatPolicies.*left out: env 'CartPole-v1' has no seats/);
    refuse({ env: game, seatPolicies: [0, 1] }, /seatPolicies.*3 policy indices, one per seat/);
    refuse({ env: game, seatPolicies: [0, 2, 2] }, /seatPolicies.*indices 0 … 2 each playing as many seats.*\[1, 0, 2\]/);
    refuse({ env: game, seatPolicies: [0, 1, 1] }, /seatPolicies.*indices 0 … 1 each playing as many seats.*\[1, 2\]/);
    refuse({ env: game, seatPolicies: [0, 1, 2], agents: 2 }, /agents.*3, the policies in seatPolicies/);
    refuse({ env: game, numEnvs: 4 }, /numEnvs.*a multiple of 3, the seats each policy plays/);
    refuse({ env: game, seatPolicies: [0, -1, 0] } as PpoConfig, /seatPolicies/);
    // Valid: three policies of one seat each, four matches each; the population is the policies.
    const resolved = resolvePpoConfig({ env: game, seatPolicies: [2, 0, 1], numEnvs: 4, numSteps: 8, numMinibatches: 2, totalTimesteps: 96 });
    expect(resolved.agents).toBe(3);
    expect(resolved.seats?.order).toEqual([1, 2, 0]);
  });
});
