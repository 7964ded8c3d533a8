/**
 * What a game holds, wherever the agent trains: {@link Agent} on the page's thread (paced, sharing
 * the game's device if it likes) and {@link WorkerAgent} in a dedicated worker both implement it,
 * so a game's code is written once against this and the choice is one option of createAgent().
 */
import type { AgentIterationStats, CloneOptions, TrainOptions } from './agent';
import type { Demonstrations } from './demonstrations';
import type { CpuPolicy, CpuPolicyOptions } from './cpu-policy';
import type { ActOptions, ActResult } from './policy-inference';
import type { EnvDescriptor } from '../envs/types';

/** The agent a game trains and acts with, on the main thread or in a worker. */
export interface TrainingAgent extends EventTarget {
  /** The env (its descriptor: id, spaces, step limit). */
  readonly env: EnvDescriptor;
  /** The algorithm's name. */
  readonly algo: string;
  /** Iterations done. */
  readonly iteration: number;
  /** The iterations the config asks for. */
  readonly numIterations: number;
  /** Env steps taken per agent (CleanRL's global_step). */
  readonly globalStep: number;
  /** Whether the device was lost. */
  readonly lost: boolean;
  /** Trains, yielding each iteration's statistics (see {@link Agent.train}). */
  train(options?: TrainOptions): AsyncGenerator<AgentIterationStats, void, undefined>;
  /** Actions for a batch of observations on the GPU (see {@link Agent.act}). */
  act(observations: ArrayLike<number>, options?: ActOptions): Promise<ActResult>;
  /** A CPU copy of the current policy whose act() is synchronous (see {@link Agent.policy}). */
  policy(options?: Omit<CpuPolicyOptions, 'source'>): Promise<CpuPolicy>;
  /** A recorder of (observation, action) pairs for this env's spaces. */
  recordDemonstrations(): Demonstrations;
  /** Behaviour cloning of demonstrations into the policy (see {@link Agent.cloneBehaviour}). */
  cloneBehaviour(demonstrations: Demonstrations, options?: CloneOptions): Promise<readonly number[]>;
  /** A checkpoint, consistent between iterations even while train() runs. */
  save(): Promise<Uint8Array>;
  /** The policy as an ONNX model. */
  exportOnnx(): Promise<Uint8Array>;
  /** Raises the run's step budget so that train() goes on past the old end (see {@link Agent.extend}). */
  extend(totalTimesteps: number): Promise<void>;
  /** Replaces the agent's state by a checkpoint's (not while train() runs). */
  restore(checkpoint: Uint8Array): Promise<void>;
  /** Frees the agent's GPU objects (and a worker agent's worker). */
  destroy(): void;
}
