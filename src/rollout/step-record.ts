/**
 * The copies that record one rollout step into slot t of the transitions, for a range of env rows
 * [from, to): all N in one go, or one half of a pipelined JavaScript env's instances at a time
 * (./host-halves.ts). Every field is [T][N][width] in the record and [N][width] in its source, so
 * a range is one contiguous copy per field at the same row offset on both sides; the halves of a
 * step together write exactly what the whole-step copies write.
 */
import type { Transitions } from './transitions';

/** The per-step buffers a step's record is copied from ([N][width] each). */
export interface StepSources {
  /** What the policy acts on: the env's observations, or their normalised copy. */
  readonly observations: GPUBuffer;
  readonly finalObservations: GPUBuffer;
  /** The env's rewards, or their scaled copy. */
  readonly rewards: GPUBuffer;
  readonly actions: GPUBuffer;
  readonly logProbs: GPUBuffer;
  readonly terminated: GPUBuffer;
  readonly truncated: GPUBuffer;
  readonly episodeReturns: GPUBuffer;
  readonly episodeLengths: GPUBuffer;
  /** The env's masks, when the rollout samples under them. */
  readonly masks?: GPUBuffer;
  /** The env's episode metrics, when the record keeps them. */
  readonly episodeMetrics?: GPUBuffer;
}

export interface StepRecorder {
  /** Before the step's sampling: the observations (and masks) rows [from, to) the policy acts on. */
  encodeInputs(encoder: GPUCommandEncoder, step: number, from: number, to: number): void;
  /** After the env step: actions, log-probabilities, rewards, flags, episode statistics, final observations. */
  encodeResults(encoder: GPUCommandEncoder, step: number, from: number, to: number): void;
}

/** The recorder of `transitions` from `sources`. */
export function createStepRecorder(transitions: Transitions, sources: StepSources): StepRecorder {
  const t = transitions.buffers;
  const N = transitions.envs;
  const words = (width: number) => ({ width, slot: 4 * N * width });
  const obs = words(transitions.observationSize);
  const action = words(transitions.actionSize);
  const row = words(1);
  const mask = words(transitions.maskWidth);
  const metric = words(transitions.metricCount);
  const copy = (encoder: GPUCommandEncoder, source: GPUBuffer, target: GPUBuffer, w: { width: number; slot: number }, step: number, from: number, to: number) => {
    const at = 4 * from * w.width;
    encoder.copyBufferToBuffer(source, at, target, step * w.slot + at, 4 * (to - from) * w.width);
  };
  return {
    encodeInputs(encoder, step, from, to) {
      copy(encoder, sources.observations, t.observations, obs, step, from, to);
      // The mask the step is sampled under (the env overwrites it when it steps).
      if (t.masks && sources.masks) copy(encoder, sources.masks, t.masks, mask, step, from, to);
    },
    encodeResults(encoder, step, from, to) {
      copy(encoder, sources.actions, t.actions, action, step, from, to);
      copy(encoder, sources.logProbs, t.logProbs, row, step, from, to);
      copy(encoder, sources.rewards, t.rewards, row, step, from, to);
      copy(encoder, sources.terminated, t.terminated, row, step, from, to);
      copy(encoder, sources.truncated, t.truncated, row, step, from, to);
      copy(encoder, sources.episodeReturns, t.episodeReturns, row, step, from, to);
      copy(encoder, sources.episodeLengths, t.episodeLengths, row, step, from, to);
      if (t.episodeMetrics && sources.episodeMetrics && metric.width > 0) copy(encoder, sources.episodeMetrics, t.episodeMetrics, metric, step, from, to);
      copy(encoder, sources.finalObservations, t.finalObservations, obs, step, from, to);
    },
  };
}
