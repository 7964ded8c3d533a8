/**
 * The KL controls decided on the GPU, checked through what the trainers report:
 * - PPO-KL's adaptive β: iteration i + 1 runs with β_i/2, β_i or 2β_i according to iteration i's
 *   reported approx_kl against d_targ/1.5 and 1.5·d_targ (within [2^-16, 2^16]); the rule is
 *   replayed on the CPU from the reports, so a kernel that ignored d, or inverted the rule, fails.
 * - target_kl early stop: with a target no update can stay under, each iteration runs exactly one
 *   epoch (the report's epochs-run word), and the optimiser is on again at the next iteration; with a
 *   target no update reaches, all K epochs run. With the stop, the parameters after one iteration
 *   equal those of a run with updateEpochs = 1 (the later epochs' steps really were skipped).
 * - Short real runs of ppo-kl and offpolicy on CartPole-v1 improve on a random policy.
 */
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/algos/index';
import { createPpoTrainer, EPOCHS_RUN_WORD } from '../../src/algos/ppo/ppo';
import type { PpoConfig } from '../../src/algos/ppo/config';
import { createPpoKlTrainer } from '../../src/algos/ppo-kl/ppo-kl';
import type { Trainer } from '../../src/train/trainer';
import type { IterationStats } from '../../src/train/report';
import { gpuStep, useGpu } from '../support/gpu';
import { runAll } from '../support/trainer';

const epochsRun = (stats: IterationStats) => stats.algorithmWords?.[EPOCHS_RUN_WORD] ?? Number.NaN;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('KL controls on the GPU', () => {
  const gpu = useGpu();

  it('ppo-kl: β follows the adaptive rule from each reported approx_kl', async () => {
    // A large learning rate and a small d_targ make the KL cross both thresholds.
    const klTarget = 0.002;
    const trainer = await createPpoKlTrainer(gpu().device, { seed: 5, numEnvs: 4, numSteps: 32, totalTimesteps: 4 * 32 * 24, learningRate: 3e-3, klTarget, klBeta: 1 });
    try {
      const reports = await gpuStep(gpu(), 'ppo-kl', () => runAll(trainer));
      let halved = 0;
      let doubled = 0;
      for (let i = 0; i + 1 < reports.length; i += 1) {
        const { approx_kl: d, beta } = reports[i]!.statistics;
        const expected = d < klTarget / 1.5 ? Math.max(beta / 2, 2 ** -16) : d > klTarget * 1.5 ? Math.min(beta * 2, 2 ** 16) : beta;
        if (expected < beta) halved += 1;
        if (expected > beta) doubled += 1;
        expect(reports[i + 1]!.statistics.beta, `β after iteration ${i} (approx_kl ${d})`).toBe(expected);
      }
      console.log(`[ppo-kl] ${reports.length} iterations: β halved ${halved}×, doubled ${doubled}×; final β ${reports.at(-1)!.statistics.beta}`);
      expect(halved).toBeGreaterThan(0);
      expect(doubled).toBeGreaterThan(0);
    } finally {
      trainer.destroy();
    }
  });

  it('target_kl: an unreachable target stops after one epoch (= updateEpochs 1); an unmissable one runs all', async () => {
    const base: PpoConfig = { seed: 9, numEnvs: 4, numSteps: 32, updateEpochs: 4, totalTimesteps: 4 * 32 * 3, learningRate: 1e-3 };
    const run = async (config: PpoConfig) => {
      const trainer = await createPpoTrainer(gpu().device, config);
      try {
        const reports = await gpuStep(gpu(), 'ppo', () => runAll(trainer));
        const actor = (await trainer.readParameters()).networks.actor!.parameters;
        return { reports, actor };
      } finally {
        trainer.destroy();
      }
    };
    const stopped = await run({ ...base, targetKl: 1e-30 });
    expect(stopped.reports.map(epochsRun)).toEqual([1, 1, 1]);
    const never = await run({ ...base, targetKl: 1e30 });
    expect(never.reports.map(epochsRun)).toEqual([4, 4, 4]);
    const oneEpoch = await run({ ...base, updateEpochs: 1 });
    // Same permutation of epoch 0 in both, the same steps: equal parameters.
    let worst = 0;
    for (let i = 0; i < oneEpoch.actor.length; i += 1) worst = Math.max(worst, Math.abs(stopped.actor[i]! - oneEpoch.actor[i]!));
    expect(worst).toBe(0);
    let moved = 0;
    for (let i = 0; i < oneEpoch.actor.length; i += 1) moved = Math.max(moved, Math.abs(never.actor[i]! - oneEpoch.actor[i]!));
    expect(moved).toBeGreaterThan(1e-4);
  });

  for (const algo of ['ppo-kl', 'offpolicy'] as const) {
    it(`${algo}: a short run on CartPole-v1 improves on a random policy (≈ 22)`, async () => {
      const trainer = await createTrainer(gpu().device, { algo, seed: 1, totalTimesteps: 60 * 512 });
      try {
        const reports = await gpuStep(gpu(), algo, () => runAll(trainer));
        const last = reports.at(-1)!;
        const early = mean(reports[4]!.recentReturns.slice(-20));
        const late = mean(last.recentReturns.slice(-20));
        console.log(`[${algo}] last-20 mean return ${early.toFixed(1)} at iteration 4 → ${late.toFixed(1)} at ${last.globalStep} steps; ${JSON.stringify(last.statistics)}`);
        expect(late).toBeGreaterThan(2 * early);
        expect(late).toBeGreaterThan(50);
        if (algo === 'offpolicy') {
          // [steps, ESS₀/n, ESS₁/n, …]: K = 4 steps recorded, step 0 on-policy (r = 1, ESS = n).
          const words = last.algorithmWords ?? Float32Array.from([]);
          expect(words[0]).toBe(4);
          expect(words[1]).toBeCloseTo(1, 6);
          for (let k = 2; k <= 4; k += 1) expect(words[k]).toBeGreaterThan(0), expect(words[k]).toBeLessThanOrEqual(1 + 1e-6);
        }
      } finally {
        trainer.destroy();
      }
    }, 600_000);
  }
});
