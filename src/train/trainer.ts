/**
 * What every trainer returns (PureJaxRL's shape: a factory closes over a frozen config and returns
 * the training function): `iterate()` submits one iteration and resolves with the statistics of
 * the previous one, `drain()` collects the last, `destroy()` frees everything.
 */
import type { StatisticName } from '../losses/statistics';
import type { MlpSpec } from '../nn/mlp-spec';
import type { IterationCounters } from './loop';
import type { AgentReport } from './report';

/** One iteration's statistics, as the CPU receives them one iteration late. */
export interface IterationStats {
  /** Index of the iteration (0-based). */
  readonly iteration: number;
  /** Env steps taken by the end of it (CleanRL's global_step), by each agent of a population. */
  readonly globalStep: number;
  /** The learning rate its updates used. */
  readonly learningRate: number;
  /** CleanRL's metrics and ours (src/losses/statistics.ts STATISTICS); NaN where one does not apply. */
  readonly statistics: Readonly<Record<StatisticName, number>>;
  /** Episodes finished since training began. */
  readonly episodesFinished: number;
  /** Returns of the last ≤ 100 finished episodes, oldest first. */
  readonly recentReturns: readonly number[];
  /** Their mean (NaN before any episode finished). */
  readonly returnMean100: number;
  /** What the iteration asked of the GPU. */
  readonly counters: IterationCounters;
  /** Agent 0's algorithm words (report.ts ALGORITHM_WORDS: off-policy ESS per step, PPO's epochs run, …). */
  readonly algorithmWords?: Float32Array;
  /** Every agent's report when a population (G > 1) trains; the fields above are agent 0's. */
  readonly agents?: readonly AgentReport[];
}

/** Final parameters, copied to the CPU (outside the loop). */
export interface TrainedParameters {
  /** Network name → f32 parameters in that network's flat layout (src/nn/mlp-spec.ts). */
  readonly networks: Readonly<Record<string, { readonly spec: MlpSpec; readonly parameters: Float32Array }>>;
}

export interface Trainer<Config = unknown> {
  /** The frozen, validated config with derived sizes. */
  readonly config: Config;
  /** Iterations the config asks for. */
  readonly numIterations: number;
  /** Env steps per iteration of each agent (a population takes G times as many in all). */
  readonly stepsPerIteration: number;
  /** Submits the next iteration; resolves with the previous one's statistics (null on the first). */
  iterate(): Promise<IterationStats | null>;
  /** Resolves with the last submitted iteration's statistics (null when none is pending). */
  drain(): Promise<IterationStats | null>;
  /** Reads the parameters back (a one-off readback: call after drain(), not inside the loop). */
  readParameters(): Promise<TrainedParameters>;
  destroy(): void;
}
