/**
 * Float64 references of the CEM kernels (shaders/cem/), written as plain loops by a different
 * route where one exists: the ranking is a sort (the kernel counts), the population statistics are
 * straight sums. Inputs are the f32 values the GPU sees; outputs are float64.
 */
import { normalPair, rngBlock, uniformFromBits } from './philox';

/** ε_{g,j} of candidate g under (seed, stream, iteration): Philox block ⌊j/4⌋ of row g, Box–Muller on (x, y), (z, w). */
export function referenceNoise(name: { seed: number; stream: number; iteration: number }, agents: number, parameters: number): Float64Array {
  const out = new Float64Array(agents * parameters);
  for (let g = 0; g < agents; g += 1) {
    for (let j = 0; j < parameters; j += 1) {
      const bits = rngBlock({ ...name, step: 0, draw: Math.floor(j / 4) }, g);
      const k = j % 4;
      const pair = normalPair(uniformFromBits(bits[k < 2 ? 0 : 2]), uniformFromBits(bits[k < 2 ? 1 : 3]));
      out[g * parameters + j] = pair[k % 2]!;
    }
  }
  return out;
}

/** θ_g = μ + σ ⊙ ε_g; with keepBest, θ_0 = champion. */
export function referenceSample(
  noise: Float64Array,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  champion: ArrayLike<number>,
  agents: number,
  keepBest: boolean,
): Float64Array {
  const P = mean.length;
  const out = new Float64Array(agents * P);
  for (let g = 0; g < agents; g += 1) {
    for (let j = 0; j < P; j += 1) out[g * P + j] = keepBest && g === 0 ? champion[j]! : mean[j]! + std[j]! * noise[g * P + j]!;
  }
  return out;
}

/** Each env's first-episode return (partial if it never ended) and length (0 if it never ended). */
export function referenceFirstEpisode(
  rewards: ArrayLike<number>,
  terminated: ArrayLike<number>,
  truncated: ArrayLike<number>,
  steps: number,
  envs: number,
): { returns: Float64Array; lengths: Uint32Array } {
  const returns = new Float64Array(envs);
  const lengths = new Uint32Array(envs);
  for (let n = 0; n < envs; n += 1) {
    let sum = 0;
    for (let t = 0; t < steps; t += 1) {
      const i = t * envs + n;
      sum += rewards[i]!;
      if (terminated[i] || truncated[i]) {
        lengths[n] = t + 1;
        break;
      }
    }
    returns[n] = sum;
  }
  return { returns, lengths };
}

/**
 * Fitness f_g = mean of the candidate's first returns; elites = the first K candidates of a stable
 * sort by fitness descending (non-finite last), i.e. ties go to the lower index.
 */
export function referenceEliteSelect(firstReturns: ArrayLike<number>, agents: number, elites: number): { fitness: Float64Array; elites: number[] } {
  const perAgent = firstReturns.length / agents;
  const fitness = new Float64Array(agents);
  for (let g = 0; g < agents; g += 1) {
    let sum = 0;
    for (let e = 0; e < perAgent; e += 1) sum += firstReturns[g * perAgent + e]!;
    fitness[g] = sum / perAgent;
  }
  const key = (g: number) => (Number.isFinite(fitness[g]!) ? fitness[g]! : -Infinity);
  const order = Array.from({ length: agents }, (_, g) => g).sort((a, b) => key(b) - key(a) || a - b);
  return { fitness, elites: order.slice(0, elites) };
}

/** μ, σ = √(elite variance + Z), champion = θ of elites[0]. */
export function referenceUpdate(
  candidates: ArrayLike<number>,
  elites: readonly number[],
  parameters: number,
  extraVariance: number,
  frozen?: { readonly offset: number; readonly count: number; readonly mean: ArrayLike<number> },
): { mean: Float64Array; std: Float64Array; champion: Float64Array } {
  const K = elites.length;
  const mean = new Float64Array(parameters);
  const std = new Float64Array(parameters);
  const champion = new Float64Array(parameters);
  for (let j = 0; j < parameters; j += 1) {
    // Left out of the search: μ kept, σ = 0, and every candidate (the champion too) holds μ.
    if (frozen && j >= frozen.offset && j < frozen.offset + frozen.count) {
      mean[j] = frozen.mean[j]!;
      champion[j] = frozen.mean[j]!;
      continue;
    }
    const column = elites.map((e) => candidates[e * parameters + j]!);
    const mu = column.reduce((s, x) => s + x, 0) / K;
    const variance = column.reduce((s, x) => s + (x - mu) ** 2, 0) / K;
    mean[j] = mu;
    std[j] = Math.sqrt(variance + extraVariance);
    champion[j] = candidates[elites[0]! * parameters + j]!;
  }
  return { mean, std, champion };
}

/** The report kernel's words (see shaders/cem/report.wgsl), as numbers; ring as the appended list. */
export interface ReferenceCemReport {
  episodicReturn: number;
  episodicLength: number;
  episodeCount: number;
  nonfinite: number;
  fitnessBest: number;
  fitnessMean: number;
  fitnessElite: number;
  /** The returns appended to the ring this iteration, in order. */
  appended: number[];
  bestIndex: number;
  stdMean: number;
  stdMax: number;
}

export function referenceReport(
  firstReturns: ArrayLike<number>,
  firstLengths: ArrayLike<number>,
  fitness: ArrayLike<number>,
  elites: readonly number[],
  std: ArrayLike<number>,
): ReferenceCemReport {
  const finished: number[] = [];
  const lengths: number[] = [];
  for (let n = 0; n < firstReturns.length; n += 1) {
    if (firstLengths[n]! !== 0) {
      finished.push(firstReturns[n]!);
      lengths.push(firstLengths[n]!);
    }
  }
  const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length);
  const all = Array.from(fitness);
  const finite = all.filter(Number.isFinite);
  const stds = Array.from(std);
  return {
    episodicReturn: mean(finished),
    episodicLength: mean(lengths),
    episodeCount: finished.length,
    nonfinite: all.length - finite.length,
    fitnessBest: fitness[elites[0]!]!,
    fitnessMean: mean(finite),
    fitnessElite: mean(elites.map((e) => fitness[e]!)),
    appended: finished,
    bestIndex: elites[0]!,
    stdMean: mean(stds),
    stdMax: Math.max(0, ...stds),
  };
}
