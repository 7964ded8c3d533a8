/**
 * The float64 running-normaliser reference against cases computed by hand (exact fractions):
 * gymnasium's RunningMeanStd from its prior (mean 0, var 1, count 1e-4), observation
 * normalisation, and reward scaling with gymnasium's order (the current step's `terminated` zeroes
 * the carried return before r is added) and the ±10 clip.
 */
import { describe, expect, it } from 'vitest';
import { normaliseObservationsReference, RewardScalerReference, RunningMeanStd } from './running-normalisers';

describe('running normaliser reference', () => {
  it('merges batches into RunningMeanStd as gymnasium does', () => {
    const rms = new RunningMeanStd(1);
    // Batch [1, 3]: mean 2, var 1, b = 2; total 2.0001;
    // mean = 2·2/2.0001, var = (1·1e-4 + 1·2 + 2²·1e-4·2/2.0001)/2.0001.
    rms.update([[1], [3]]);
    expect(rms.mean[0]).toBeCloseTo(1.99990000499975, 13);
    expect(rms.variance[0]).toBeCloseTo(1.0001999800015, 13);
    expect(rms.count).toBeCloseTo(2.0001, 13);
    // Batch [5]: var 0, b = 1.
    rms.update([[5]]);
    expect(rms.mean[0]).toBeCloseTo(2.9999000033332224, 13);
    expect(rms.variance[0]).toBeCloseTo(2.6669110929639013, 13);
  });

  it('normalises observations with the updated statistics and clips to ±10', () => {
    const rms = new RunningMeanStd(2);
    normaliseObservationsReference(rms, [[1, 0], [3, 0]], [[0, 0], [0, 0]]);
    const { normalised, normalisedFinal } = normaliseObservationsReference(rms, [[5, 0]], [[5, 1e6]]);
    // (5 − 2.99990000333…)/√(2.66691109… + 1e-8); dim 1 has mean 0 and var 1e-4·1/3.0001 (tiny), so 1e6 clips.
    expect(normalised[0]![0]).toBeCloseTo(1.224749975377312, 12);
    expect(normalised[0]![1]).toBe(0);
    expect(normalisedFinal[0]![1]).toBe(10);
    expect(rms.count).toBeCloseTo(3.0001, 13);
  });

  it('scales rewards in gymnasium order: R ← R·γ·(1 − terminated) + r, update, r/√(var + ε), clip', () => {
    const scaler = new RewardScalerReference(1, 0.5);
    // R = 1 → var = (1·1e-4 + 0 + 1²·1e-4·1/1.0001)/1.0001 ≈ 2e-4: 1/√var = 70.7 clips to 10.
    expect(scaler.step([1], [0])).toEqual([10]);
    expect(scaler.rms.variance[0]).toBeCloseTo(0.00019997000399950006, 15);
    // terminated on this step: R = 1·0.5·0 + 1 = 1.
    expect(scaler.step([1], [1])).toEqual([10]);
    expect(scaler.returns[0]).toBe(1);
    // R = 1·0.5 + 2 = 2.5; var = 0.50009166…; 2/√(var + 1e-8) = 2.82816787…
    const [scaled] = scaler.step([2], [0]);
    expect(scaler.returns[0]).toBe(2.5);
    expect(scaler.rms.variance[0]).toBeCloseTo(0.5000916611113796, 13);
    expect(scaled).toBeCloseTo(2.8281678753361863, 12);
  });
});
