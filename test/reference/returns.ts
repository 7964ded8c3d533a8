/**
 * Float64 plain-loop references for src/returns/: reward-to-go, total return, GAE(λ), baselines
 * and advantage normalisation, with the done convention of shaders/returns/rollout.wgsl:
 * an episode ends AT step t when terminated or truncated (terminated wins); truncated bootstraps
 * γ·finalValues[t][n] and the rollout's end (t = T − 1, not done) γ·lastValues[n], both only with a
 * critic. Arrays are time-major [T][N]; env n belongs to agent ⌊n/(N/G)⌋.
 */

export interface ReferenceRollout {
  steps: number;
  envs: number;
  agents: number;
  rewards: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  /** V(s_t) [T][N]. */
  values?: ArrayLike<number>;
  /** V(final obs) [T][N], meaningful where truncated. */
  finalValues?: ArrayLike<number>;
  /** V(s_T) [N]. */
  lastValues?: ArrayLike<number>;
}

const perAgent = (value: number | readonly number[], g: number) => (typeof value === 'number' ? value : value[g]!);

/** G_t = Σ_{t' ≥ t} γ^{t'−t} r_{t'} within the episode, bootstrapped when `critic`. */
export function referenceRewardToGo(r: ReferenceRollout, gamma: number | readonly number[], critic: boolean): Float64Array {
  const { steps: T, envs: N } = r;
  const out = new Float64Array(T * N);
  for (let n = 0; n < N; n += 1) {
    const g = perAgent(gamma, Math.floor(n / (N / r.agents)));
    let next = 0;
    for (let t = T - 1; t >= 0; t -= 1) {
      const i = t * N + n;
      const terminated = r.terminated[i] !== 0;
      const truncated = r.truncated[i] !== 0 && !terminated;
      let bootstrap = 0;
      if (critic && truncated) bootstrap = r.finalValues![i]!;
      else if (critic && t === T - 1 && !terminated) bootstrap = r.lastValues![n]!;
      const continuation = terminated || truncated || t === T - 1 ? 0 : next;
      next = r.rewards[i]! + g * (bootstrap + continuation);
      out[i] = next;
    }
  }
  return out;
}

/** Every step gets the reward-to-go of its trajectory's first step in the rollout. */
export function referenceTotalReturn(r: ReferenceRollout, gamma: number | readonly number[], critic: boolean): Float64Array {
  const rtg = referenceRewardToGo(r, gamma, critic);
  const { steps: T, envs: N } = r;
  const out = new Float64Array(T * N);
  for (let n = 0; n < N; n += 1) {
    let current = 0;
    for (let t = 0; t < T; t += 1) {
      const i = t * N + n;
      const starts = t === 0 || r.terminated[i - N] !== 0 || r.truncated[i - N] !== 0;
      if (starts) current = rtg[i]!;
      out[i] = current;
    }
  }
  return out;
}

/** GAE(λ) advantages and the critic's target A + V. */
export function referenceGae(
  r: ReferenceRollout,
  gamma: number | readonly number[],
  lambda: number | readonly number[],
): { advantages: Float64Array; returns: Float64Array } {
  const { steps: T, envs: N } = r;
  const advantages = new Float64Array(T * N);
  const returns = new Float64Array(T * N);
  for (let n = 0; n < N; n += 1) {
    const agent = Math.floor(n / (N / r.agents));
    const g = perAgent(gamma, agent);
    const l = perAgent(lambda, agent);
    let next = 0;
    for (let t = T - 1; t >= 0; t -= 1) {
      const i = t * N + n;
      const terminated = r.terminated[i] !== 0;
      const truncated = r.truncated[i] !== 0 && !terminated;
      const done = terminated || truncated;
      const nextValue = truncated ? r.finalValues![i]! : terminated ? 0 : t === T - 1 ? r.lastValues![n]! : r.values![i + N]!;
      const delta = r.rewards[i]! + g * nextValue - r.values![i]!;
      next = delta + (done || t === T - 1 ? 0 : g * l * next);
      advantages[i] = next;
      returns[i] = next + r.values![i]!;
    }
  }
  return { advantages, returns };
}

export type ReferenceBaseline = 'none' | 'batch-mean' | 'timestep-mean' | 'value';

/** advantage = weight − baseline, per agent. */
export function referenceBaseline(
  kind: ReferenceBaseline,
  weights: ArrayLike<number>,
  shape: { steps: number; envs: number; agents: number },
  values?: ArrayLike<number>,
): Float64Array {
  const { steps: T, envs: N, agents: G } = shape;
  const width = N / G;
  const out = Float64Array.from(weights);
  if (kind === 'value') for (let i = 0; i < T * N; i += 1) out[i] = weights[i]! - values![i]!;
  if (kind === 'batch-mean') {
    for (let g = 0; g < G; g += 1) {
      let sum = 0;
      for (let t = 0; t < T; t += 1) for (let k = 0; k < width; k += 1) sum += weights[t * N + g * width + k]!;
      const mean = sum / (T * width);
      for (let t = 0; t < T; t += 1) for (let k = 0; k < width; k += 1) out[t * N + g * width + k] = weights[t * N + g * width + k]! - mean;
    }
  }
  if (kind === 'timestep-mean') {
    for (let t = 0; t < T; t += 1) {
      for (let g = 0; g < G; g += 1) {
        let sum = 0;
        for (let k = 0; k < width; k += 1) sum += weights[t * N + g * width + k]!;
        for (let k = 0; k < width; k += 1) out[t * N + g * width + k] = weights[t * N + g * width + k]! - sum / width;
      }
    }
  }
  return out;
}

/** (x − mean)/(std + ε) over each list of positions, std with Bessel's correction (0 for one value). */
export function referenceNormalise(x: ArrayLike<number>, segments: readonly (readonly number[])[], epsilon = 1e-8): Float64Array {
  const out = new Float64Array(x.length).fill(Number.NaN);
  for (const positions of segments) {
    const n = positions.length;
    let sum = 0;
    for (const p of positions) sum += x[p]!;
    const mean = sum / n;
    let m2 = 0;
    for (const p of positions) m2 += (x[p]! - mean) ** 2;
    const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
    for (const p of positions) out[p] = (x[p]! - mean) / (std + epsilon);
  }
  return out;
}

/** The sample positions of each agent of a [T][N] batch. */
export function agentPositions(shape: { steps: number; envs: number; agents: number }): number[][] {
  const { steps: T, envs: N, agents: G } = shape;
  const width = N / G;
  return Array.from({ length: G }, (_, g) => {
    const list: number[] = [];
    for (let t = 0; t < T; t += 1) for (let k = 0; k < width; k += 1) list.push(t * N + g * width + k);
    return list;
  });
}
