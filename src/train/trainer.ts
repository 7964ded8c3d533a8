/**
 * What every trainer returns (PureJaxRL's shape: a factory closes over a frozen config and returns
 * the training function): `iterate()` submits one iteration and resolves with the statistics of
 * the previous one, `drain()` collects the last, `destroy()` frees everything.
 */
import type { StatisticName } from '../losses/statistics';
import type { MlpSpec } from '../nn/mlp-spec';
import type { EnvDescriptor } from '../envs/types';
import type { OpponentPool } from '../envs/opponent-pool';
import type { MlpLayout } from '../nn/mlp-spec';
import type { IterationCounters, Pacing } from './loop';
import type { PolicyKind } from './policy-kind';
import type { IterationStats } from './report';

/** Final parameters, copied to the CPU (outside the loop). */
export interface TrainedParameters {
  /** Network name → f32 parameters in that network's flat layout (src/nn/mlp-spec.ts). */
  readonly networks: Readonly<Record<string, { readonly spec: MlpSpec; readonly parameters: Float32Array }>>;
}

/**
 * What carries a run from one iteration to the next, as bytes: the trainer's persistent GPU buffers
 * (parameters, Adam's moments and step counts, the envs' states and episode progress, the
 * normalisers' statistics, the report's episode ring, an algorithm's adaptive coefficients) and the
 * index of the next iteration (which keys every RNG counter and schedule).
 */
export interface TrainerState {
  readonly iteration: number;
  readonly buffers: Readonly<Record<string, Uint8Array>>;
}

/** The trained policy as act() and an export read it: layouts and live parameter buffers (G = 1: agent 0). */
export interface TrainerPolicy {
  readonly kind: PolicyKind;
  readonly actor: MlpLayout;
  readonly critic: MlpLayout;
  /** f32 [G][P_actor] / [G][P_critic], updated by every iteration. */
  readonly actorParameters: GPUBuffer;
  readonly criticParameters: GPUBuffer;
  /** RunningMoments [G][OBS] when observations are normalised (clip ±10, ε 1e-8: src/normalise). */
  readonly observationStatistics?: GPUBuffer;
}

/** Where the envs' states live, for a renderer that draws them straight from the GPU (no readback). */
export interface TrainerEnvView {
  /** The env. */
  readonly descriptor: EnvDescriptor;
  /** f32 [N][stateSize] (the wrapper's State structs, in the descriptor's stateNames order); absent for a JavaScript env. */
  readonly states?: GPUBuffer;
  /** Floats per env state (STATE_SIZE: the descriptor's stateNames.length). */
  readonly stateSize: number;
  /** N: envs of the whole population, agent-major. */
  readonly numEnvs: number;
}

export interface Trainer<Config = unknown> {
  /** The frozen, validated config with derived sizes. */
  readonly config: Config;
  /** Iterations the config asks for. */
  readonly numIterations: number;
  /** Env steps per iteration of each agent (a population takes G times as many in all). */
  readonly stepsPerIteration: number;
  /**
   * Submits the next iteration; resolves with the previous one's statistics (null on the first).
   * With `pacing`, the iteration's work is spread over frames (src/train/loop.ts Pacing).
   */
  iterate(pacing?: Pacing): Promise<IterationStats | null>;
  /** Resolves with the last submitted iteration's statistics (null when none is pending). */
  drain(): Promise<IterationStats | null>;
  /** Reads the parameters back (a one-off readback: call after drain(), not inside the loop). */
  readParameters(): Promise<TrainedParameters>;
  /** The policy's layouts and buffers. */
  readonly policy?: TrainerPolicy;
  /** A self-play run's opponent pool: the learner's snapshots that play the env's policy seat. */
  readonly opponentPool?: OpponentPool;
  /** The training envs' state buffer (for drawing them). */
  readonly envView?: TrainerEnvView;
  /** Index of the next iteration (a method: trainers are spread into richer objects, which would freeze a getter). */
  nextIteration(): number;
  /** The device it trains on. */
  readonly device: GPUDevice;
  /** Reads the persistent state (after drain(): a one-off readback, never inside the loop). Absent: not resumable. */
  captureState?(): Promise<TrainerState>;
  /** Overwrites the persistent state with a captured one (same config) and continues from its iteration. */
  restoreState?(state: TrainerState): void;
  destroy(): void;
}
