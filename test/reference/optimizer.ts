/**
 * Float64 reference of the optimiser (src/nn/optimizer.ts): plain loops, written from the
 * definitions of torch.optim.Adam (weight_decay 0, amsgrad off, maximize off), plain SGD (momentum
 * 0) and torch.nn.utils.clip_grad_norm_ (L2 norm, error_if_nonfinite off).
 *
 * An optimiser is not the derivative of anything, so central finite differences do not apply to
 * it: the reference is checked against hand-computed cases and the closed forms its definitions
 * imply (test/reference/optimizer.test.ts).
 */

export interface AdamHyperparameters {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** β1 0.9, β2 0.999 (torch) and ε 1e-5 (CleanRL). */
export const ADAM_DEFAULTS: Readonly<AdamHyperparameters> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };

/** The constant clip_grad_norm_ adds to the norm before dividing. */
export const CLIP_EPSILON = 1e-6;

/** ‖g‖₂ over `length` values from `offset`. */
export function l2Norm(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let sum = 0;
  for (let i = offset; i < offset + length; i += 1) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}

/**
 * clip_grad_norm_'s factor: min(1, maxNorm / (norm + 1e-6)); 1 when maxNorm ≤ 0 (clipping off,
 * this engine's convention; torch has no "off" value).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + CLIP_EPSILON));
}

/** Adam's per-tensor state: first and second moments and the step count t. */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  step: number;
}

export function adamState(length: number): AdamState {
  return { m: new Float64Array(length), v: new Float64Array(length), step: 0 };
}

/**
 * One torch.optim.Adam step on params[offset, +length) with state elements [0, length):
 *   t ← t + 1;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 *   m̂ = m / (1 − β1^t);  v̂ = v / (1 − β2^t);  θ ← θ − lr·m̂ / (√v̂ + ε).
 * `gradScale` multiplies g first (the clip factor).
 */
export function adamStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: AdamState,
  lr: number,
  hyper: AdamHyperparameters = ADAM_DEFAULTS,
  offset = 0,
  length = params.length - offset,
  gradScale = 1,
): void {
  const { beta1, beta2, epsilon } = hyper;
  state.step += 1;
  const biasCorrection1 = 1 - beta1 ** state.step;
  const biasCorrection2 = 1 - beta2 ** state.step;
  for (let k = 0; k < length; k += 1) {
    const g = gradScale * grads[offset + k]!;
    state.m[k] = beta1 * state.m[k]! + (1 - beta1) * g;
    state.v[k] = beta2 * state.v[k]! + (1 - beta2) * g * g;
    const mHat = state.m[k]! / biasCorrection1;
    const vHat = state.v[k]! / biasCorrection2;
    params[offset + k] = params[offset + k]! - (lr * mHat) / (Math.sqrt(vHat) + epsilon);
  }
}

/** One SGD step (no momentum): θ ← θ − lr·gradScale·g on params[offset, +length). */
export function sgdStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  lr: number,
  offset = 0,
  length = params.length - offset,
  gradScale = 1,
): void {
  for (let k = 0; k < length; k += 1) params[offset + k] = params[offset + k]! - lr * gradScale * grads[offset + k]!;
}

/** The GPU optimiser's state over G agents: one AdamState per agent. */
export interface ReferenceOptimizer {
  kind: 'adam' | 'sgd';
  agents: number;
  parametersPerAgent: number;
  hyper: AdamHyperparameters;
  /** ≤ 0: no clipping. */
  maxGradNorm: number;
  states: AdamState[];
}

export function referenceOptimizer(
  kind: 'adam' | 'sgd',
  agents: number,
  parametersPerAgent: number,
  maxGradNorm = 0,
  hyper: AdamHyperparameters = ADAM_DEFAULTS,
): ReferenceOptimizer {
  return {
    kind,
    agents,
    parametersPerAgent,
    hyper,
    maxGradNorm,
    states: Array.from({ length: agents }, () => adamState(parametersPerAgent)),
  };
}

export interface ReferenceStepReport {
  /** ‖g‖₂ per agent, before clipping. */
  norms: number[];
  /** The clip factor applied per agent (1 when not clipped). */
  scales: number[];
}

/**
 * One step of the GPU optimiser's semantics over params [G][P]: for each agent g with active[g],
 * clip its gradient block by its own global norm, then step with lr[g] and advance its step count
 * (SGD's too); an inactive agent is left entirely alone (its t does not advance).
 */
export function referenceOptimizerStep(
  optimizer: ReferenceOptimizer,
  params: Float64Array,
  grads: ArrayLike<number>,
  lr: readonly number[],
  active: readonly boolean[],
): ReferenceStepReport {
  const P = optimizer.parametersPerAgent;
  const norms: number[] = [];
  const scales: number[] = [];
  for (let g = 0; g < optimizer.agents; g += 1) {
    const norm = l2Norm(grads, g * P, P);
    const scale = clipScale(norm, optimizer.maxGradNorm);
    norms.push(norm);
    scales.push(scale);
    if (!active[g]) continue;
    if (optimizer.kind === 'adam') adamStep(params, grads, optimizer.states[g]!, lr[g]!, optimizer.hyper, g * P, P, scale);
    else {
      // SGD needs no t, but the GPU counts its steps too (a statistic, and the same state record).
      optimizer.states[g]!.step += 1;
      sgdStep(params, grads, lr[g]!, g * P, P, scale);
    }
  }
  return { norms, scales };
}
