/**
 * `train --eval-every K`: every K iterations the trainer's current policy plays --eval-episodes
 * episodes on envs of its own, apart from the training envs (evaluatePolicy), greedy unless asked
 * otherwise. The policy is read straight from the trainer's parameter buffers through a policy
 * inference of its own, so evaluating writes nothing the training reads: a run with evaluation
 * trains bit for bit as one without. With a population (G > 1) agent 0's policy is evaluated.
 * A JavaScript env (a MuJoCo one: the command can make another instance of it from its id) is
 * evaluated on a separate instance, stepped on the CPU, never on the training envs' instances.
 */
import { evaluatePolicy, type Evaluation } from '../agent/evaluate';
import { createPolicyInference, type PolicyInference } from '../agent/policy-inference';
import { isHostEnvDescriptor, type BatchedHostEnv, type HostEnv } from '../envs/host-env';
import type { EnvDescriptor } from '../envs/types';
import { OBSERVATION_NORMALISER } from '../train/trainer-checkpoint';
import type { Trainer } from '../train/trainer';

/** What `--eval-every`, `--eval-episodes` and `--eval-stochastic` ask for. */
export interface PeriodicEvaluationOptions {
  /** K: evaluate after every K-th iteration (counted from the run's start, so a resumed run keeps the same points). */
  readonly every: number;
  /** Episodes per evaluation, one per env, all at once. */
  readonly episodes: number;
  /** Sample actions instead of the greedy ones. */
  readonly stochastic?: boolean;
  /** For a JavaScript env: another instance of it to evaluate on (required there). */
  readonly env?: HostEnv | BatchedHostEnv;
}

export interface PeriodicEvaluation {
  /** Whether the iteration that ends with `completed` iterations done is one to evaluate after. */
  due(completed: number): boolean;
  /** Plays the episodes with the trainer's parameters as they are now (call with nothing in flight: after drain()). */
  evaluate(): Promise<Evaluation>;
  destroy(): void;
}

/** The periodic evaluation of `trainer`'s policy on `env`; see the file comment. */
export async function createPeriodicEvaluation(trainer: Trainer, env: EnvDescriptor, options: PeriodicEvaluationOptions): Promise<PeriodicEvaluation> {
  if (isHostEnvDescriptor(env) && !options.env) throw new RangeError(`--eval-every: env '${env.id}' is a JavaScript env: its evaluation needs a separate instance of it`);
  const policy = trainer.policy;
  if (!policy) throw new RangeError('--eval-every: this trainer has no policy to evaluate');
  const inference: PolicyInference = await createPolicyInference(trainer.device, {
    actor: policy.actor,
    critic: policy.critic,
    actionSpace: env.actionSpace,
    maxBatch: options.episodes,
    ...(policy.observationStatistics ? { observationNormaliser: { moments: policy.observationStatistics, ...OBSERVATION_NORMALISER } } : {}),
    seed: ((trainer.config as { seed?: number }).seed ?? 1) >>> 0,
    label: 'train.evaluate',
  });
  const parameters = { actor: policy.actorParameters, critic: policy.criticParameters };
  return {
    due: (completed) => completed > 0 && completed % options.every === 0,
    evaluate: () =>
      evaluatePolicy(trainer.device, env, (observations, actOptions) => inference.act(parameters, observations, actOptions), {
        episodes: options.episodes,
        deterministic: !options.stochastic,
        ...(options.env ? { env: options.env } : {}),
      }),
    destroy: () => inference.destroy(),
  };
}
