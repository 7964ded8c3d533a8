/**
 * PPO learns a hybrid action space: Aim-v0 (test/support/aim-env.ts), a continuous aim at a
 * coloured target with two discrete branches, weapon × charge (nvec [3, 2]), the weapon after the
 * target's colour masked. The policy is a Gaussian over the aim times one categorical per branch
 * (src/envs/types.ts HybridSpace). A uniformly random legal policy earns about −5 per 20-step
 * episode and a perfect one 40; the target is a mean return of 22 over the last 100 episodes,
 * seeds 1–3, within 61 440 steps (16 envs × 64 steps, learning rate 1e-3; CleanRL's other
 * defaults). By then the branches are learnt (about 19.9 hits of 20 per episode) while the aim's
 * σ is still near 0.8: the returns of the stochastic policy then climb slowly, as the learned
 * log-std of PPO's Gaussian does (about 25 at 80k steps, σ ≈ 0.7). The seed, the step each run
 * reached the target and its wall time print as they go.
 */
import { describe, expect, it } from 'vitest';
import { registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { AIM } from '../support/aim-env';
import { gpuStep, useGpu } from '../support/gpu';
import { trainToTarget } from '../support/learning';

const TARGET = 22;
const BUDGET = 61_440;
/** Steps at which each seed reached the target on SwiftShader (about 8-11 s each, 29 s for the three). */
const RECORDED: Record<number, number> = { 1: 27_648, 2: 24_576, 3: 32_768 };

describe('learning: ppo on the hybrid Aim-v0', () => {
  const gpu = useGpu();
  registerCustomEnv(AIM);
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed} reaches a mean return of ${TARGET} within ${BUDGET} steps`, async () => {
      const label = `ppo Aim-v0 seed ${seed}`;
      const config = { algo: 'ppo' as const, env: AIM.id, seed, numEnvs: 16, numSteps: 64, learningRate: 1e-3, totalTimesteps: BUDGET };
      const outcome = await gpuStep(gpu(), label, () => trainToTarget(gpu().device, { config, target: TARGET, budget: BUDGET, recordedStep: RECORDED[seed]!, ci: true }, label));
      console.log(
        `[${label}] ${outcome.reached ? 'reached' : 'did NOT reach'} ${TARGET} at step ${outcome.step} (recorded ${RECORDED[seed]}; ` +
          `best return(100) ${outcome.best.toFixed(2)}) in ${outcome.wallS.toFixed(1)} s`,
      );
      expect(outcome.reached, `${label}: best return(100) ${outcome.best.toFixed(2)}`).toBe(true);
    }, 600_000);
  }
  it('unregisters the env', () => {
    expect(unregisterEnv(AIM.id)).toBe(true);
  });
});
