/**
 * Scaling: the PPO cases along the env dimension N and the agent dimension G (a population of G
 * agents with N envs each trains in the same dispatches), and the rollout alone (createRollout:
 * T policy steps of N envs and the critic's values, one submit) where a full iteration would be too
 * large to train here.
 */
import { createVectorEnv } from '../../src/envs/vector-env';
import { policyOutputWidth } from '../../src/envs/action-branches';
import { BufferSet } from '../../src/gpu/buffers';
import { initialParameters } from '../../src/nn/init';
import { actorSpec, criticSpec, gaussianActorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { createRollout } from '../../src/rollout/rollout';
import { sample, timeSubmitted, type Repetition, type Samples } from '../measure/timing';
import type { PpoCase } from './ppo-throughput';

/** How long the cases may run: full (the suite's ≤ 20 minutes on SwiftShader) or quick (CI). */
export type Mode = 'full' | 'quick';

/** CleanRL's CartPole PPO: T = 128, 4 epochs of 4 minibatches. */
export const CARTPOLE_PPO = { numSteps: 128, updateEpochs: 4, numMinibatches: 4 } as const;

/**
 * The env-dimension cases: CartPole PPO (CleanRL's configuration) at N = 1, 4, 16, 64, 256, 1 024,
 * 4 096 (64 and 1 024 are the peer comparison's; 4, CleanRL's default, the PyTorch-CPU peer's too). Iterations are sized for a software adapter (2
 * cores, SwiftShader): an iteration's cost grows with its batch T·N (about 1.7 s at N = 64, 2
 * minutes at N = 4 096), so large N get one timed iteration. The rollout-only table goes on to
 * N = 65 536.
 */
export function envScalingCases(mode: Mode): PpoCase[] {
  const at = (numEnvs: number, timed: { min: number; max: number; budget: number }, phaseSplit: boolean, note?: string): PpoCase => ({
    name: `CartPole-v1 N=${numEnvs}`,
    env: 'CartPole-v1',
    numEnvs,
    overrides: CARTPOLE_PPO,
    warmupIterations: 1,
    minIterations: timed.min,
    maxIterations: timed.max,
    budgetSeconds: timed.budget,
    phaseSplit,
    // The pass profile of the peer comparison's N (quick: the first case, so CI runs the profiler).
    passProfile: numEnvs === (mode === 'quick' ? 1 : 64),
    ...(note ? { note } : {}),
  });
  if (mode === 'quick') return [at(1, { min: 1, max: 1, budget: 0 }, true), at(16, { min: 1, max: 1, budget: 0 }, false)];
  return [
    at(1, { min: 3, max: 20, budget: 3 }, true),
    at(4, { min: 3, max: 10, budget: 4 }, true),
    at(16, { min: 3, max: 6, budget: 8 }, true),
    at(64, { min: 2, max: 4, budget: 15 }, true),
    at(256, { min: 1, max: 1, budget: 0 }, true, 'one timed iteration (software adapter)'),
    at(1024, { min: 1, max: 1, budget: 0 }, false, 'one timed iteration, no phase split (software adapter)'),
    at(4096, { min: 1, max: 1, budget: 0 }, false, 'one timed iteration, no phase split (software adapter)'),
  ];
}

/**
 * Pendulum-v1 (Gaussian head, observation normalisation, reward scaling): the engine's Pendulum
 * defaults (src/algos/ppo/config.ts PPO_ENV_DEFAULTS: T = 256, 10 epochs, 8 minibatches; the
 * configuration that learns it), at N = 1 and at its default N = 16.
 */
export function pendulumCases(mode: Mode): PpoCase[] {
  const quick = mode === 'quick';
  const at = (numEnvs: number): PpoCase => ({
    name: `Pendulum-v1 N=${numEnvs}`,
    env: 'Pendulum-v1',
    numEnvs,
    warmupIterations: 1,
    minIterations: quick ? 1 : 2,
    maxIterations: quick ? 1 : 4,
    budgetSeconds: quick ? 0 : 10,
    phaseSplit: !quick,
    passProfile: numEnvs === 16,
  });
  return quick ? [at(1)] : [at(1), at(16)];
}

/**
 * The agent dimension: G = 1, 8, 64 CartPole agents of CleanRL's default 4 envs each (quick: 1 env
 * each, G = 1 and 8), trained together by one trainer (PPO populations).
 */
export function agentScalingCases(mode: Mode): PpoCase[] {
  const quick = mode === 'quick';
  const perAgent = quick ? 1 : 4;
  const at = (agents: number): PpoCase => ({
    name: `CartPole-v1 G=${agents}×N=${perAgent}`,
    env: 'CartPole-v1',
    numEnvs: perAgent,
    agents,
    overrides: CARTPOLE_PPO,
    warmupIterations: 1,
    minIterations: 1,
    maxIterations: quick || agents >= 64 ? 1 : 3,
    budgetSeconds: quick ? 0 : 10,
    phaseSplit: !quick,
    ...(agents >= 64 ? { note: 'one timed iteration (software adapter)' } : {}),
  });
  return quick ? [at(1), at(8)] : [at(1), at(8), at(64)];
}

export interface RolloutCase {
  readonly env: 'CartPole-v1' | 'Pendulum-v1';
  readonly numEnvs: number;
  /** T of the measured rollout (shortened from 128 where a full one would take minutes). */
  readonly steps: number;
  readonly repetition: Repetition;
  readonly note?: string;
}

export interface RolloutReport {
  readonly env: string;
  readonly numEnvs: number;
  readonly steps: number;
  readonly milliseconds: Samples;
  /** T·N / median time: env steps per second of policy inference + sampling + env stepping + the critic's values. */
  readonly sps: number;
  readonly note?: string;
}

/** The rollout-only cases: N = 65 536 (and 4 096 beside it, for the per-step cost at both widths). */
/** (The critic's (T + 1)·N rows per rollout weigh more at these short T than at T = 128.) */
export function rolloutCases(mode: Mode): RolloutCase[] {
  if (mode === 'quick') return [{ env: 'CartPole-v1', numEnvs: 4096, steps: 2, repetition: { warmup: 1, repeats: 1 }, note: 'T = 2 of 128 (quick)' }];
  return [
    { env: 'CartPole-v1', numEnvs: 4096, steps: 8, repetition: { warmup: 1, repeats: 2 }, note: 'T = 8 of 128 (software adapter)' },
    { env: 'CartPole-v1', numEnvs: 65_536, steps: 2, repetition: { warmup: 1, repeats: 1 }, note: 'T = 2 of 128 (software adapter)' },
  ];
}

/** Times createRollout alone: T steps of N envs under a freshly initialised 64-64 policy, one submit. */
export async function measureRollout(device: GPUDevice, c: RolloutCase): Promise<RolloutReport> {
  const env = await createVectorEnv(device, c.env, { numEnvs: c.numEnvs, seed: 1 });
  const cleanup: { destroy(): void }[] = [env];
  try {
    const { observationSpace, actionSpace } = env.descriptor;
    const hidden = [64, 64];
    const actor = mlpLayout(
      actionSpace.kind !== 'box' ? actorSpec(observationSpace.size, policyOutputWidth(actionSpace), hidden) : gaussianActorSpec(observationSpace.size, actionSpace.size, hidden),
    );
    const critic = mlpLayout(criticSpec(observationSpace.size, hidden));
    const rollout = await createRollout(device, { env, steps: c.steps, actor, critic, seed: 1, label: 'bench.rollout' });
    cleanup.push(rollout);
    const params = new BufferSet(device, 'bench.rollout', { actor: { size: 4 * actor.parametersPerAgent }, critic: { size: 4 * critic.parametersPerAgent } });
    cleanup.push(params);
    device.queue.writeBuffer(params.buffers.actor, 0, initialParameters(actor, 1));
    device.queue.writeBuffer(params.buffers.critic, 0, initialParameters(critic, 2));
    const reset = device.createCommandEncoder({ label: 'bench.rollout.reset' });
    rollout.encodeReset(reset);
    device.queue.submit([reset.finish()]);
    let iteration = 0;
    const milliseconds = await sample(c.repetition, () => {
      rollout.prepare(iteration);
      iteration += 1;
      const encoder = device.createCommandEncoder({ label: 'bench.rollout' });
      rollout.encode(encoder, { actor: params.buffers.actor, critic: params.buffers.critic });
      const commands = encoder.finish();
      return timeSubmitted(device.queue, () => device.queue.submit([commands]));
    });
    return {
      env: c.env,
      numEnvs: c.numEnvs,
      steps: c.steps,
      milliseconds,
      sps: (c.steps * c.numEnvs) / (milliseconds.median / 1000),
      ...(c.note ? { note: c.note } : {}),
    };
  } finally {
    for (const x of cleanup.reverse()) x.destroy();
  }
}
