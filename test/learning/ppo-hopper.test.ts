/**
 * PPO on MuJoCo's Hopper-v5 (webgpu-rl/mujoco, @mujoco/mujoco stepping on the CPU through the
 * batched JavaScript env path) with PPO_ENV_DEFAULTS['Hopper-v5'] (CleanRL's continuous-control
 * values: lr 3e-4, 10 epochs, no entropy bonus, normalised observations, scaled rewards, 1 M steps;
 * a batch of 2 048 as 16 envs × 128 steps in 8 minibatches), seed 1: a mean return of 1 000 over
 * the last 100 episodes (published PPO at 1 M steps: about 1 000–2 400). On SwiftShader about 950
 * steps/s; `ci: false` (WEBGPU_RL_LEARNING=1 or `npm run test:learning`).
 */
import { describe, expect, it } from 'vitest';
import { mujocoEnv } from '../../src/mujoco';
import { gpuStep, useGpu } from '../support/gpu';
import { trainToTarget } from '../support/learning';

const TARGET = 1000;
const BUDGET = 1_000_000;
/** The step seed 1 first reached the target on SwiftShader (webgpu-rl train --env Hopper-v5 --seed 1). */
const RECORDED = 167_936;

describe('learning: ppo on Hopper-v5', () => {
  const gpu = useGpu();
  it.runIf(Boolean(process.env.WEBGPU_RL_LEARNING))(`seed 1 reaches a mean return of ${TARGET} within ${BUDGET} steps`, async () => {
    const env = await mujocoEnv('Hopper-v5');
    try {
      const label = 'ppo Hopper-v5 seed 1';
      const config = { algo: 'ppo' as const, env, seed: 1 };
      const outcome = await gpuStep(gpu(), label, () =>
        trainToTarget(gpu().device, { config: config as never, target: TARGET, budget: BUDGET, recordedStep: RECORDED, ci: false }, label),
      );
      console.log(`[${label}] ${outcome.reached ? 'reached' : 'did NOT reach'} ${TARGET} at step ${outcome.step} (recorded ${RECORDED}; best ${outcome.best.toFixed(1)}) in ${outcome.wallS.toFixed(0)} s`);
      expect(outcome.reached, `${label}: best return(100) ${outcome.best.toFixed(1)}`).toBe(true);
    } finally {
      env.close();
    }
  }, 3_600_000);
});
