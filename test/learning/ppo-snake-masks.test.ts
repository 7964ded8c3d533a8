/**
 * Action masks pay: PPO on Snake-v0 with its documented defaults (PPO_ENV_DEFAULTS['Snake-v0']),
 * under the env's masks (every move that dies is illegal) and without them (actionMasks: false: the
 * policy must learn not to die), seeds 1–3. Each run stops at a mean return of 8 over the last 100
 * episodes (about 8 apples; a random legal policy's return is about 4, a random one's −0.9); the
 * masked run must get there in fewer steps than the unmasked one of the same seed, and within the
 * budget. The curves (return every 25 000 steps) print as they go; docs/LEARNING.md records them.
 */
import { describe, expect, it } from 'vitest';
import { gpuStep, useGpu } from '../support/gpu';
import { trainToTarget, type LearningOutcome } from '../support/learning';

const TARGET = 8;
const BUDGET = 102_400;
/** Steps at which each seed reached the target on SwiftShader: [masked, unmasked] (docs/LEARNING.md). */
const RECORDED: Record<number, readonly [number, number]> = { 1: [22_528, 57_344], 2: [22_528, 71_680], 3: [20_480, 55_296] };

describe('learning: ppo on Snake-v0 with and without action masks', () => {
  const gpu = useGpu();
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the masked run reaches a mean return of ${TARGET} in fewer steps than the unmasked one`, async () => {
      const run = (actionMasks: boolean): Promise<LearningOutcome> => {
        const label = `ppo Snake-v0 seed ${seed} ${actionMasks ? 'masked' : 'unmasked'}`;
        const c = { config: { algo: 'ppo' as const, env: 'Snake-v0', seed, actionMasks }, target: TARGET, budget: BUDGET, recordedStep: 0, ci: true };
        return gpuStep(gpu(), label, () => trainToTarget(gpu().device, c, label));
      };
      const masked = await run(true);
      const unmasked = await run(false);
      const [recordedMasked, recordedUnmasked] = RECORDED[seed]!;
      const said = (o: LearningOutcome) => `${o.reached ? 'reached' : 'did NOT reach'} ${TARGET} at step ${o.step} (best ${o.best.toFixed(2)}, ${o.wallS.toFixed(1)} s)`;
      console.log(
        `[ppo Snake-v0 seed ${seed}] masked ${said(masked)}, recorded ${recordedMasked}; unmasked ${said(unmasked)}, recorded ${recordedUnmasked}`,
      );
      expect(masked.reached, `seed ${seed}: masked best ${masked.best.toFixed(2)}`).toBe(true);
      // An unmasked run that never reaches the target stopped at the budget: still more steps.
      expect(masked.step, `seed ${seed}`).toBeLessThan(unmasked.step);
    }, 1_800_000);
  }
});
