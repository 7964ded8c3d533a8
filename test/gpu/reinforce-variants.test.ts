/**
 * Populations of policy-gradient estimators (the Break-It Lab's engine): one REINFORCE run of G
 * agents that differ in weights (total return / reward-to-go), baseline (none / learned value),
 * advantage normalisation, learning rate and trajectories per update (N), and one off-policy run whose agents differ in K, train in the same dispatches;
 * after two iterations every agent's actor and critic equal, BIT FOR BIT, those of the solo run with
 * its variant and seed + g. The population gathers its batch agent-major in each agent's solo row
 * order, so every reduction sees the same values in the same order; an agent without a baseline
 * keeps its critic at the initialisation (c_v = 0), as its solo run trains none; an agent past its
 * own K is switched off in Adam for the remaining steps. Also: the agents really differ, and bad
 * population configs fail before any GPU work, naming the field.
 */
import { describe, expect, it } from 'vitest';
import { createOffPolicyTrainer } from '../../src/algos/offpolicy/offpolicy';
import { resolveOffPolicyConfig, type OffPolicyConfig } from '../../src/algos/offpolicy/config';
import { createReinforceTrainer } from '../../src/algos/reinforce/reinforce';
import { resolveReinforceConfig, type ReinforceConfig, type ReinforceVariant } from '../../src/algos/reinforce/config';
import type { Trainer } from '../../src/train/trainer';
import type { IterationStats } from '../../src/train/report';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const ITERATIONS = 2;

async function trainedParameters(trainer: Trainer<unknown>) {
  try {
    const stats: IterationStats[] = [];
    for (let i = 0; i < ITERATIONS; i += 1) {
      const s = await trainer.iterate();
      if (s) stats.push(s);
    }
    const last = await trainer.drain();
    if (last) stats.push(last);
    const { networks } = await trainer.readParameters();
    return { stats, actor: networks.actor!.parameters, critic: networks.critic!.parameters };
  } finally {
    trainer.destroy();
  }
}

/** Count of differing words and the largest |Δ| between agent g's slice and a solo run's vector. */
function compare(population: Float32Array, g: number, solo: Float32Array) {
  let differing = 0;
  let worst = 0;
  for (let i = 0; i < solo.length; i += 1) {
    const a = population[g * solo.length + i]!;
    if (!Object.is(a, solo[i]!)) differing += 1;
    worst = Math.max(worst, Math.abs(a - solo[i]!));
  }
  return { differing, worst };
}

function moved(population: Float32Array, g: number, other: number, size: number): number {
  let worst = 0;
  for (let i = 0; i < size; i += 1) worst = Math.max(worst, Math.abs(population[g * size + i]! - population[other * size + i]!));
  return worst;
}

describe('reinforce populations of variants', () => {
  const gpu = useGpu();
  const base = { env: 'CartPole-v1', numEnvs: 3, numSteps: 21, totalTimesteps: 63 * ITERATIONS, annealLr: false, hiddenSizes: [16, 16] } as const;

  const check = async (
    what: string,
    variants: readonly ReinforceVariant[],
    build: (config: ReinforceConfig & OffPolicyConfig) => Promise<Trainer<unknown>>,
    extra: OffPolicyConfig = {},
  ) => {
    // Halved so that seed + g stays a u32; SEED replays the drawn value, not the halved one.
    const seed = freshSeed() >>> 1;
    const population = await gpuStep(gpu(), `${what} population`, async () => trainedParameters(await build({ ...base, ...extra, seed, variants })));
    expect(population.stats.at(-1)!.agents).toHaveLength(variants.length);
    const report: string[] = [];
    for (const [g, variant] of variants.entries()) {
      const solo = await gpuStep(gpu(), `${what} solo ${g}`, async () => trainedParameters(await build({ ...base, ...extra, ...variant, seed: seed + g })));
      const actor = compare(population.actor, g, solo.actor);
      const critic = compare(population.critic, g, solo.critic);
      report.push(`agent ${g} ${JSON.stringify(variant)}: actor ${actor.differing}/${solo.actor.length} words differ (max ${actor.worst}), critic ${critic.differing}/${solo.critic.length} (max ${critic.worst})`);
      expect(actor, `agent ${g} actor`).toEqual({ differing: 0, worst: 0 });
      expect(critic, `agent ${g} critic`).toEqual({ differing: 0, worst: 0 });
      if (g > 0) expect(moved(population.actor, g, 0, solo.actor.length)).toBeGreaterThan(1e-3);
    }
    console.log(`[${what}] trainer seeds ${seed} + g, ${ITERATIONS} iterations:\n  ${report.join('\n  ')}`);
  };

  it('REINFORCE: each agent (weights × baseline × normAdv × learning rate × trajectories) equals its solo run bit for bit', async () => {
    const variants: ReinforceVariant[] = [
      { weights: 'reward-to-go', baseline: 'value', learningRate: 1e-3 },
      { weights: 'total-return', baseline: 'value', learningRate: 2e-3 },
      { weights: 'reward-to-go', baseline: 'none', normAdv: false, learningRate: 3e-2 },
      { trajectories: 1 },
      { trajectories: 2, baseline: 'none', normAdv: false },
    ];
    await check('reinforce', variants, (config) => createReinforceTrainer(gpu().device, config));
  });

  it('off-policy: agents with their own K (2, 6) equal their solo runs bit for bit', async () => {
    const variants: ReinforceVariant[] = [{ updateSteps: 2 }, { updateSteps: 6, learningRate: 3e-3, baseline: 'none' }];
    await check('offpolicy', variants, (config) => createOffPolicyTrainer(gpu().device, config), { maxGradNorm: 0 });
  });

  it('N = 1 trajectory: the update ignores the other envs (≈ a run with numEnvs = 1, the same env 0)', async () => {
    const seed = freshSeed() >>> 1;
    // Adam's ε at 1e-12: the update is then invariant to the gradient's scale (1/numEnvs here) up to rounding.
    const one = { ...base, seed, adamEpsilon: 1e-12, numEnvs: 1, totalTimesteps: 21 * ITERATIONS };
    const alone = await gpuStep(gpu(), 'numEnvs 1', async () => trainedParameters(await createReinforceTrainer(gpu().device, one)));
    const masked = await gpuStep(gpu(), 'trajectories 1', async () => trainedParameters(await createReinforceTrainer(gpu().device, { ...base, seed, adamEpsilon: 1e-12, trajectories: 1 })));
    const all = await gpuStep(gpu(), 'all envs', async () => trainedParameters(await createReinforceTrainer(gpu().device, { ...base, seed, adamEpsilon: 1e-12 })));
    const relative = (a: Float32Array, b: Float32Array) => compare(a, 0, b).worst / Math.max(...Array.from(b, Math.abs));
    const initial = await gpuStep(gpu(), 'initial', async () => {
      const trainer = await createReinforceTrainer(gpu().device, { ...base, seed });
      try {
        return (await trainer.readParameters()).networks.actor!.parameters;
      } finally {
        trainer.destroy();
      }
    });
    const errors = { masked: relative(masked.actor, alone.actor), all: relative(all.actor, alone.actor), moved: relative(alone.actor, initial) };
    console.log(`[trajectories] trainer seed ${seed}: actor vs the numEnvs = 1 run, relative max |Δ|: trajectories 1 ${errors.masked.toExponential(2)}, all 3 envs ${errors.all.toExponential(2)} (moved from init ${errors.moved.toExponential(2)})`);
    // Only the losses' 1/numEnvs scale differs, which Adam removes up to rounding; with ε at 1e-12 a
    // weight whose gradient is at rounding level takes a full ±lr step either way, so a seed may
    // leave one weight a few 1e-6 apart (SEED=1102958126, trainer seed 551479063: 7.4e-6 of a 1.9e-3
    // move), still 500× below the other envs' effect.
    expect(errors.masked).toBeLessThan(1e-2 * errors.moved);
    expect(errors.all).toBeGreaterThan(0.1 * errors.moved);
  });

  it('bad population configs fail before any GPU work, naming the field', () => {
    expect(() => resolveReinforceConfig({ agents: 3, variants: [{}, {}] })).toThrow(/variants must be one entry per agent \(agents = 3\).*2 entries/);
    expect(() => resolveReinforceConfig({ variants: [{}, { baseline: 'batch-mean' }] })).toThrow(/variants\[1\]\.baseline.*'none', 'value' in a population/);
    expect(() => resolveReinforceConfig({ variants: [{ updateSteps: 2 } as never] })).toThrow(/variants\[0\]\.updateSteps/);
    expect(() => resolveReinforceConfig({ variants: [{ weights: 'all' as never }] })).toThrow(/variants\[0\]\.weights.*'total-return'/);
    expect(() => resolveReinforceConfig({ variants: [{ learningRate: -1 }] })).toThrow(/variants\[0\]\.learningRate/);
    expect(() => resolveReinforceConfig({ variants: [] })).toThrow(/variants/);
    expect(() => resolveOffPolicyConfig({ variants: [{ updateSteps: 16 }] })).toThrow(/variants\[0\]\.updateSteps/);
    expect(() => resolveReinforceConfig({ numEnvs: 4, variants: [{ trajectories: 5 }] })).toThrow(/variants\[0\]\.trajectories/);
    expect(() => resolveReinforceConfig({ numEnvs: 4, trajectories: 0 })).toThrow(/trajectories/);
    expect(() => resolveOffPolicyConfig({ agents: 2, importance: 'trajectory' })).toThrow(/importance.*'per-step' in a population/);
    const resolved = resolveOffPolicyConfig({ learningRate: 2e-3, variants: [{}, { updateSteps: 7, weights: 'total-return' }] });
    expect(resolved.agents).toBe(2);
    expect(resolved.variants).toEqual([
      { weights: 'reward-to-go', baseline: 'value', learningRate: 2e-3, normAdv: true, trajectories: 8, updateSteps: 4 },
      { weights: 'total-return', baseline: 'value', learningRate: 2e-3, normAdv: true, trajectories: 8, updateSteps: 7 },
    ]);
  });
});
