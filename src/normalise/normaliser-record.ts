/**
 * The running observation statistics a policy was trained with, as plain numbers: what the CPU
 * policy and the ONNX export apply, y = clip((x − mean)/√(variance + epsilon), ±clip). The GPU
 * normaliser that produces them is running-normalisers.ts.
 */
export interface ObservationNormaliserRecord {
  /** Running mean per observation dim (OBS values). */
  readonly mean: ArrayLike<number>;
  /** Running variance per observation dim (OBS values, ≥ 0). */
  readonly variance: ArrayLike<number>;
  /** Added to the variance under the square root; the engine's default is 1e-8. */
  readonly epsilon: number;
  /** Normalised observations are clipped to ±clip; the engine's default is 10. */
  readonly clip: number;
}
