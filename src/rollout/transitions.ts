/**
 * What a rollout stores: one named, time-major record of T steps × N envs (PureJaxRL's
 * `Transition`), every field a GPU buffer allocated once. Element (t, n) of a [T][N] field is at
 * t·N + n; a per-env vector field (observations) holds row (t, n) at (t·N + n)·width.
 *
 * Done convention (shaders/returns/rollout.wgsl): the episode ended AT step t when terminated[t][n]
 * or truncated[t][n]; observations[t + 1][n] then belongs to a fresh episode. finalObservations[t][n]
 * is the observation the step reached before any auto-reset; where truncated, finalValues[t][n] =
 * V(finalObservations[t][n]) bootstraps the time-out. observations[T] is s_T, the observation the
 * next rollout starts from, and lastValues = V(s_T) bootstraps the rollout's end.
 */
import { BufferSet } from '../gpu/buffers';

export type TransitionField =
  | 'observations'
  | 'actions'
  | 'logProbs'
  | 'values'
  | 'rewards'
  | 'terminated'
  | 'truncated'
  | 'finalObservations'
  | 'finalValues'
  | 'lastValues'
  | 'episodeReturns'
  | 'episodeLengths';

/** Fields a rollout records only when its env has them. */
export interface TransitionExtras {
  /** u32 [T][N][W]: the mask the policy sampled step t under (1 = allowed); a masked rollout. */
  readonly masks?: GPUBuffer;
  /** f32 [T][N][M]: the env's metrics of the episode that ended at (t, n), 0 elsewhere; an env with metrics. */
  readonly episodeMetrics?: GPUBuffer;
}

/** The rollout record on the GPU. */
export interface Transitions {
  readonly steps: number;
  readonly envs: number;
  readonly observationSize: number;
  /** Words per action: 1 (a u32) for a discrete env, the box size for a continuous one. */
  readonly actionSize: number;
  /**
   * observations f32 [T + 1][N][OBS] (row T: s_T); actions [T][N] (u32, or f32 [T][N][A]);
   * logProbs, values, rewards f32 [T][N]; terminated, truncated u32 [T][N]; finalObservations f32
   * [T + 1][N][OBS] (row T unused, zero: it lets one critic pass of (T + 1)·N rows serve both
   * observation buffers); finalValues f32 [T][N]; lastValues f32 [N]; episodeReturns f32 and
   * episodeLengths u32 [T][N] (of the episode that ended at (t, n), 0 elsewhere); and the extras.
   */
  readonly buffers: Readonly<Record<TransitionField, GPUBuffer>> & TransitionExtras;
  /** Words of a mask row, W (0: no masks recorded). */
  readonly maskWidth: number;
  /** Metrics per finished episode, M (0: none recorded). */
  readonly metricCount: number;
  readonly bytes: number;
  destroy(): void;
}

/** Allocates the transition buffers of a T × N rollout. */
export function createTransitions(
  device: GPUDevice,
  shape: { steps: number; envs: number; observationSize: number; actionSize: number; maskWidth?: number; metricCount?: number; label?: string },
): Transitions {
  const { steps, envs, observationSize, actionSize, maskWidth = 0, metricCount = 0 } = shape;
  const words = (count: number) => ({ size: 4 * count });
  const elements = steps * envs;
  const set = new BufferSet<TransitionField>(device, shape.label ?? 'transitions', {
    observations: words((steps + 1) * envs * observationSize),
    actions: words(elements * actionSize),
    logProbs: words(elements),
    values: words(elements),
    rewards: words(elements),
    terminated: words(elements),
    truncated: words(elements),
    finalObservations: words((steps + 1) * envs * observationSize),
    finalValues: words(elements),
    lastValues: words(envs),
    episodeReturns: words(elements),
    episodeLengths: words(elements),
  });
  let extras: BufferSet<keyof TransitionExtras>;
  try {
    extras = new BufferSet<keyof TransitionExtras>(device, shape.label ?? 'transitions', {
      ...(maskWidth > 0 ? { masks: words(elements * maskWidth) } : {}),
      ...(metricCount > 0 ? { episodeMetrics: words(elements * metricCount) } : {}),
    } as Record<keyof TransitionExtras, { size: number }>);
  } catch (error) {
    set.destroy();
    throw error;
  }
  return {
    steps,
    envs,
    observationSize,
    actionSize,
    maskWidth,
    metricCount,
    buffers: { ...set.buffers, ...extras.buffers },
    bytes: set.bytes + extras.bytes,
    destroy: () => {
      set.destroy();
      extras.destroy();
    },
  };
}
