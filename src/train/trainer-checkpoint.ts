/**
 * Between a live trainer and a Checkpoint: capture (state + networks + the readable header facts)
 * and restore (every check first, then the writes), so that the Agent and the CLI save and resume
 * the same way.
 */
import type { EnvDescriptor } from '../envs/types';
import { readBufferOnce } from '../gpu/readback';
import { decodeRunningMoments, RUNNING_MOMENTS_PRIOR_COUNT } from '../normalise/running-normalisers';
import { CheckpointError, checkCheckpointMatches, checkCheckpointPolicy, type Checkpoint, type CheckpointObservationNormaliser } from './checkpoint';
import type { Trainer } from './trainer';

/** The normaliser constants the rollout uses (src/normalise: gymnasium's ε, CleanRL's clip). */
export const OBSERVATION_NORMALISER = { epsilon: 1e-8, clip: 10 } as const;

/** What a checkpoint records besides the trainer's own state. */
export interface CheckpointContext {
  readonly algo: string;
  /** The config the trainer was made from (JSON-able: the env as its id). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly env: EnvDescriptor;
  readonly seed: number;
  readonly agents: number;
}

/** Agent 0's observation statistics, read from a captured state (absent without normalisation). */
export function observationNormaliserOf(state: Readonly<Record<string, Uint8Array>>, observationSize: number): CheckpointObservationNormaliser | undefined {
  const bytes = state['normalise.observationStatistics'];
  if (!bytes) return undefined;
  const copy = bytes.slice(0, 16 * observationSize);
  const moments = decodeRunningMoments(copy.buffer);
  return {
    mean: Array.from(moments.mean),
    variance: Array.from(moments.variance),
    count: moments.samples[0]! + RUNNING_MOMENTS_PRIOR_COUNT,
    ...OBSERVATION_NORMALISER,
  };
}

/** Everything a trainer needs to continue, after drain(): a one-off readback of its persistent state. */
export async function captureCheckpoint(trainer: Trainer, context: CheckpointContext): Promise<Checkpoint> {
  if (!trainer.captureState || !trainer.policy) throw new CheckpointError(`'${context.algo}' trainers cannot be checkpointed`);
  const state = await trainer.captureState();
  const { policy } = trainer;
  // The networks for act() and export, beside the state (which holds them too, in the trainer's own layout).
  const networks = [
    { name: 'actor', spec: policy.actor.spec, parameters: new Float32Array(await readBufferOnce(trainer.device, policy.actorParameters)) },
    { name: 'critic', spec: policy.critic.spec, parameters: new Float32Array(await readBufferOnce(trainer.device, policy.criticParameters)) },
  ];
  const normaliser = observationNormaliserOf(state.buffers, context.env.observationSpace.size);
  const adam = state.buffers['adam.agentState'];
  return {
    engineVersion: '',
    createdAt: '',
    algo: context.algo,
    config: context.config,
    env: {
      id: context.env.id,
      observationSpace: context.env.observationSpace,
      actionSpace: context.env.actionSpace,
      ...('host' in context.env ? { host: true } : {}),
    },
    policy: policy.kind,
    seed: context.seed,
    agents: context.agents,
    iteration: state.iteration,
    globalStep: state.iteration * trainer.stepsPerIteration,
    networks,
    ...(normaliser ? { observationNormaliser: normaliser } : {}),
    ...(adam ? { optimizer: { kind: 'adam', steps: new Uint32Array(adam.slice(0, 4).buffer)[0]! } } : {}),
    state: state.buffers,
  };
}

/**
 * Continues `trainer` from `checkpoint`: its networks, its policy kind (categorical, Gaussian or
 * hybrid, fitting its env: checkCheckpointPolicy) and env spaces must match (checked before any
 * write); then every persistent buffer is overwritten and the next iteration is the checkpoint's.
 */
export function restoreCheckpoint(trainer: Trainer, checkpoint: Checkpoint, algo: string): void {
  if (!trainer.restoreState || !trainer.policy) throw new CheckpointError(`'${algo}' trainers cannot be restored from a checkpoint`);
  const { policy } = trainer;
  checkCheckpointMatches(checkpoint, {
    algo,
    networks: [
      { name: 'actor', spec: policy.actor.spec },
      { name: 'critic', spec: policy.critic.spec },
    ],
  });
  checkCheckpointPolicy(checkpoint);
  if (checkpoint.policy !== policy.kind) {
    throw new CheckpointError(`checkpoint policy '${checkpoint.policy}' does not fit this trainer, whose policy is '${policy.kind}'`);
  }
  if (!checkpoint.state) throw new CheckpointError('checkpoint holds networks only (no trainer state): it can act and export but not resume training');
  try {
    trainer.restoreState({ iteration: checkpoint.iteration, buffers: checkpoint.state });
  } catch (error) {
    throw new CheckpointError(`checkpoint does not fit this trainer: ${(error as Error).message}`);
  }
}

/** The JSON-able part of a trainer config (a HostEnv or descriptor is recorded by its id). */
export function jsonConfig(config: object, envId: string): Record<string, unknown> {
  return { ...config, env: envId };
}
