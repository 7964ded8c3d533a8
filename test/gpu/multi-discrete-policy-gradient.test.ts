/**
 * The one-step policy-gradient trainers (src/algos/reinforce/reinforce.ts: reinforce, a2c,
 * offpolicy) on the multi-discrete Cursor-v0 (test/support/cursor-env.ts: nvec [3, 2], the move
 * branch masked). Their update evaluates log π per branch over the logits' slices and sums it, so
 * before its first step it must equal the rollout's summed log p of the same actions: the
 * on-policy step's approx_kl (mean k3 of log π_new − log π_old) is then 0, where one branch left
 * out (or a mask, or an action word, gathered at the wrong width) would give each row a different
 * ratio and a k3 far from 0. Off-policy: step 0's ESS/n is 1 (all ratios 1), step 1's is below it
 * (the ratios now differ per row). A population (agents 2) gathers actions [rows][K] and masks
 * [rows][Σ nvec] agent-major; each agent's approx_kl is 0 too. CEM only samples through the
 * rollout, which draws every branch: its episodes score what the game can pay.
 */
import { describe, expect, it } from 'vitest';
import { createTrainer, type TrainerConfig } from '../../src/algos/index';
import { customEnv } from '../../src/envs/index';
import type { IterationStats } from '../../src/train/report';
import { CURSOR } from '../support/cursor-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

/** k3(x) ≈ x²/2: f32 rounding of log p (≈ 1e-6) gives ≈ 1e-12; a row off by 0.01 alone gives 5e-5/rows. */
const ON_POLICY_KL = 1e-8;
/** Entropy of one row lies between log 2 + log 2 (the move branch masked to two) and log 3 + log 2. */
const ENTROPY = [2 * Math.log(2) - 1e-4, Math.log(6) + 1e-4] as const;

describe('multi-discrete action spaces in reinforce, a2c, offpolicy and cem', () => {
  const gpu = useGpu();

  /** Two iterations of `algo` on Cursor-v0; the second's statistics (the first iteration's update). */
  async function twoIterations(config: { readonly algo: 'a2c' | 'reinforce' | 'offpolicy'; readonly seed: number } & Record<string, unknown>): Promise<IterationStats> {
    const small = { env: customEnv(CURSOR), numEnvs: 7, numSteps: 13, hiddenSizes: [8], totalTimesteps: 7 * 13 * 2 };
    const trainer = await createTrainer(gpu().device, { ...small, ...config } as unknown as TrainerConfig);
    try {
      await gpuStep(gpu(), config.algo, () => trainer.iterate());
      const stats = (await gpuStep(gpu(), config.algo, () => trainer.iterate()))!;
      await trainer.drain();
      return stats;
    } finally {
      trainer.destroy();
    }
  }

  const expectOnPolicy = (label: string, statistics: IterationStats['statistics']) => {
    expect(statistics.approx_kl, `${label}: approx_kl`).toBeGreaterThanOrEqual(0);
    expect(statistics.approx_kl, `${label}: approx_kl`).toBeLessThan(ON_POLICY_KL);
    expect(statistics.entropy, `${label}: entropy`).toBeGreaterThan(ENTROPY[0]);
    expect(statistics.entropy, `${label}: entropy`).toBeLessThan(ENTROPY[1]);
    expect(statistics.nonfinite_terms, `${label}: non-finite loss terms`).toBe(0);
  };

  for (const algo of ['a2c', 'reinforce'] as const) {
    it(`${algo}: the update's log π before its step is the rollout's summed log p (approx_kl 0)`, async () => {
      const seed = freshSeed();
      const stats = await twoIterations({ algo, seed });
      expectOnPolicy(`${algo}, seed ${seed}`, stats.statistics);
    });
  }

  it('offpolicy: ESS/n of step 0 is 1 and of step 1 below it, per-step and per-trajectory', async () => {
    for (const importance of ['per-step', 'trajectory'] as const) {
      const seed = freshSeed();
      const label = `offpolicy ${importance}, seed ${seed}`;
      const stats = await twoIterations({ algo: 'offpolicy', seed, updateSteps: 2, importance, learningRate: 0.01 });
      const words = stats.algorithmWords!;
      expect(words[0], `${label}: steps recorded`).toBe(2);
      expect(words[1], `${label}: ESS₀/n`).toBeCloseTo(1, 6);
      expect(words[2], `${label}: ESS₁/n`).toBeLessThan(1 - 1e-6);
      expect(words[2], `${label}: ESS₁/n`).toBeGreaterThan(0);
      expect(stats.statistics.nonfinite_terms, `${label}: non-finite loss terms`).toBe(0);
    }
  });

  it('cem searches it: the rollout samples each branch, every episode of 20 steps scores a multiple of 0.25 in [−5, 20]', async () => {
    const seed = freshSeed();
    const trainer = await createTrainer(gpu().device, { algo: 'cem', env: customEnv(CURSOR), seed, populationSize: 6, envsPerCandidate: 2, numSteps: 20, maxEpisodeSteps: 20, hiddenSizes: [8], totalTimesteps: 6 * 2 * 20 * 2 });
    try {
      await gpuStep(gpu(), 'cem', () => trainer.iterate());
      const stats = (await gpuStep(gpu(), 'cem', () => trainer.drain()))!;
      expect(stats.episodesFinished, `seed ${seed}`).toBeGreaterThan(0);
      // Rewards are +1 (a shot on the goal) and −0.25 (elsewhere), at most one per step.
      for (const ret of stats.recentReturns) {
        expect(Number.isInteger(ret * 4), `seed ${seed}: return ${ret}`).toBe(true);
        expect(ret, `seed ${seed}`).toBeGreaterThanOrEqual(-5);
        expect(ret, `seed ${seed}`).toBeLessThanOrEqual(20);
      }
    } finally {
      trainer.destroy();
    }
  });

  it('a population of two reinforce agents gathers actions [rows][K] and masks [rows][Σ nvec]: each agent on-policy', async () => {
    const seed = freshSeed();
    const stats = await twoIterations({ algo: 'reinforce', seed, agents: 2, baseline: 'value' });
    expect(stats.agents?.length).toBe(2);
    stats.agents!.forEach((agent, g) => expectOnPolicy(`reinforce agent ${g}, seed ${seed}`, agent.statistics));
  });
});
