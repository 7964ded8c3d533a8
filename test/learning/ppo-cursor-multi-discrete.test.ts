/**
 * PPO learns a multi-discrete env: Cursor-v0 (test/support/cursor-env.ts), a move × fire target
 * game with actions [3, 2] (one categorical per branch) and the move branch masked at the line's
 * ends. A random policy's return is about −0.7 per 20-step episode, walking to the goal and firing
 * there about +5.5; the target is a mean return of 3 over the last 100 episodes, seeds 1–3, within
 * 40 960 steps (16 envs × 64 steps, learning rate 1e-3; CleanRL's other defaults). The seed, the
 * step each run reached the target and its wall time print as they go.
 */
import { describe, expect, it } from 'vitest';
import { registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { CURSOR } from '../support/cursor-env';
import { gpuStep, useGpu } from '../support/gpu';
import { trainToTarget } from '../support/learning';

const TARGET = 3;
const BUDGET = 40_960;
/** Steps at which each seed reached the target on SwiftShader (about 15-20 s each, 50 s for the three). */
const RECORDED: Record<number, number> = { 1: 25_600, 2: 31_744, 3: 28_672 };

describe('learning: ppo on the multi-discrete Cursor-v0', () => {
  const gpu = useGpu();
  registerCustomEnv(CURSOR);
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed} reaches a mean return of ${TARGET} within ${BUDGET} steps`, async () => {
      const label = `ppo Cursor-v0 seed ${seed}`;
      const config = { algo: 'ppo' as const, env: CURSOR.id, seed, numEnvs: 16, numSteps: 64, learningRate: 1e-3, totalTimesteps: BUDGET };
      const outcome = await gpuStep(gpu(), label, () => trainToTarget(gpu().device, { config, target: TARGET, budget: BUDGET, recordedStep: RECORDED[seed]!, ci: true }, label));
      console.log(
        `[${label}] ${outcome.reached ? 'reached' : 'did NOT reach'} ${TARGET} at step ${outcome.step} (recorded ${RECORDED[seed]}; ` +
          `best return(100) ${outcome.best.toFixed(2)}) in ${outcome.wallS.toFixed(1)} s`,
      );
      expect(outcome.reached, `${label}: best return(100) ${outcome.best.toFixed(2)}`).toBe(true);
    }, 600_000);
  }
  it('unregisters the env', () => {
    expect(unregisterEnv(CURSOR.id)).toBe(true);
  });
});
