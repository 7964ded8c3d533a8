/**
 * The float64 CEM references (test/reference/cem.ts) against hand-worked cases, and the noise
 * against the engine's CPU Philox normal stream (an independent implementation).
 */
import { describe, expect, it } from 'vitest';
import { normalStream } from '../../src/rng/philox-cpu';
import { referenceEliteSelect, referenceFirstEpisode, referenceNoise, referenceReport, referenceSample, referenceUpdate } from './cem';

describe('CEM references, by hand', () => {
  it('first episode: return up to and including the first done; unfinished envs keep the partial sum, length 0', () => {
    // T = 4, N = 3 ([T][N] rows). Env 0 terminates at t = 1, env 1 is truncated at t = 3, env 2 never ends.
    const rewards = [1, 10, 100, 2, 20, 200, 4, 40, 400, 8, 80, 800];
    const terminated = [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0];
    const truncated = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    const { returns, lengths } = referenceFirstEpisode(rewards, terminated, truncated, 4, 3);
    expect(Array.from(returns)).toEqual([3, 150, 1500]);
    expect(Array.from(lengths)).toEqual([2, 4, 0]);
  });

  it('elite select: fitness is the mean over the candidate’s envs; ties to the lower index; NaN last', () => {
    // G = 5 candidates × 2 envs: fitness 2, 5, NaN, 5, 3.
    const first = [1, 3, 5, 5, Number.NaN, 0, 4, 6, 3, 3];
    const { fitness, elites } = referenceEliteSelect(first, 5, 5);
    expect(Array.from(fitness)).toEqual([2, 5, Number.NaN, 5, 3]);
    expect(elites).toEqual([1, 3, 4, 0, 2]);
    expect(referenceEliteSelect(first, 5, 2).elites).toEqual([1, 3]);
  });

  it('update: μ = elite mean, σ = √(population variance + Z), champion = best elite', () => {
    // G = 3, P = 2; elites [2, 0]: columns (5, 1) and (−1, 3).
    const candidates = [1, 3, 100, 100, 5, -1];
    const { mean, std, champion } = referenceUpdate(candidates, [2, 0], 2, 0.25);
    expect(Array.from(mean)).toEqual([3, 1]);
    expect(Array.from(std)).toEqual([Math.sqrt(4 + 0.25), Math.sqrt(4 + 0.25)]);
    expect(Array.from(champion)).toEqual([5, -1]);
  });

  it('sample: θ = μ + σ ε, and the champion in slot 0 with keepBest', () => {
    const noise = Float64Array.of(1, -1, 0.5, 2);
    expect(Array.from(referenceSample(noise, [10, 20], [2, 3], [7, 8], 2, false))).toEqual([12, 17, 11, 26]);
    expect(Array.from(referenceSample(noise, [10, 20], [2, 3], [7, 8], 2, true))).toEqual([7, 8, 11, 26]);
  });

  it('noise: candidate g at iteration 0 is the CPU Philox normal stream of row g', () => {
    const name = { seed: 0x1234567, stream: 0x43454d, iteration: 0 };
    const noise = referenceNoise(name, 3, 11);
    for (let g = 0; g < 3; g += 1) {
      const stream = normalStream(name.seed, name.stream, g, 11);
      for (let j = 0; j < 11; j += 1) expect(noise[g * 11 + j]).toBeCloseTo(stream[j]!, 12);
    }
  });

  it('report: means over finished first episodes, fitness summaries over finite candidates', () => {
    const r = referenceReport([10, 20, 30, 40], [10, 0, 30, 40], [5, Number.NaN, 1, 3], [0, 3], [1, 3]);
    expect(r.episodicReturn).toBeCloseTo(80 / 3, 12);
    expect(r.episodicLength).toBeCloseTo(80 / 3, 12);
    expect(r.episodeCount).toBe(3);
    expect(r.nonfinite).toBe(1);
    expect(r.fitnessBest).toBe(5);
    expect(r.fitnessMean).toBe(3);
    expect(r.fitnessElite).toBe(4);
    expect(r.appended).toEqual([10, 30, 40]);
    expect(r.bestIndex).toBe(0);
    expect(r.stdMean).toBe(2);
    expect(r.stdMax).toBe(3);
  });
});
