/**
 * The running normalisers on the GPU (src/normalise) against the float64 reference
 * (test/reference/running-normalisers.ts) on fresh random batches at odd sizes: G agents × B envs
 * with B below and above the workgroup (1, 5, 37 and 131 rows per agent; the workgroup is the least
 * power of two ≥ B, at most 64), several steps in a row (the
 * statistics carry over), episodes terminating at random, outputs poisoned (NaN) before each step.
 * A last case starts the statistics at a count of 5·10^7 samples, where an f32 count would no
 * longer be exact, and checks the merge against float64 there.
 */
import { describe, expect, it } from 'vitest';
import { createBufferWithData } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/readback';
import { createRunningNormalisers, RUNNING_MOMENTS_BYTES } from '../../src/normalise/index';
import { normaliseObservationsReference, RewardScalerReference, RunningMeanStd } from '../reference/running-normalisers';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { POISON_F32_BITS } from '../support/vector-env';

const STEPS = 6;
const GAMMA = 0.97;

function close(actual: number, expected: number, tolerance: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${what}: GPU ${actual} vs float64 ${expected}`);
  }
}

describe('running normalisers', () => {
  const gpu = useGpu();

  for (const [G, B, OBS] of [
    [3, 37, 5],
    [2, 131, 3],
    [4, 5, 2],
    [5, 1, 3],
  ] as const) {
    it(`normalise observations and scale rewards as gymnasium, G = ${G}, B = ${B}, OBS = ${OBS}`, async () => {
      const { device } = gpu();
      const seed = freshSeed();
      const random = seededRandom(seed);
      const N = G * B;
      const sources = {
        observations: createBufferWithData(device, 'test.observations', new Float32Array(N * OBS)),
        finalObservations: createBufferWithData(device, 'test.final-observations', new Float32Array(N * OBS)),
        rewards: createBufferWithData(device, 'test.rewards', new Float32Array(N)),
        terminated: createBufferWithData(device, 'test.terminated', new Uint32Array(N)),
      };
      const normalisers = await createRunningNormalisers(device, {
        agents: G,
        envsPerAgent: B,
        observationSize: OBS,
        observations: true,
        rewards: { gamma: GAMMA },
        sources,
      });
      const b = normalisers.buffers;
      const observationRms = Array.from({ length: G }, () => new RunningMeanStd(OBS));
      const rewardScalers = Array.from({ length: G }, () => new RewardScalerReference(B, GAMMA));
      // Per-dim offsets and scales, so that each dim's statistics differ.
      const offsets = Array.from({ length: OBS }, () => (random() - 0.5) * 10);
      const scales = Array.from({ length: OBS }, () => 0.1 + random() * 3);
      const read = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
      try {
        for (let step = 0; step < STEPS; step += 1) {
          const observations = Float32Array.from({ length: N * OBS }, (_, i) => offsets[i % OBS]! + scales[i % OBS]! * (random() * 2 - 1));
          const finals = Float32Array.from({ length: N * OBS }, (_, i) => offsets[i % OBS]! + 20 * scales[i % OBS]! * (random() * 2 - 1));
          const rewards = Float32Array.from({ length: N }, () => (random() - 0.3) * 4);
          const terminated = Uint32Array.from({ length: N }, () => (random() < 0.15 ? 1 : 0));
          const q = device.queue;
          q.writeBuffer(sources.observations, 0, observations);
          q.writeBuffer(sources.finalObservations, 0, finals);
          q.writeBuffer(sources.rewards, 0, rewards);
          q.writeBuffer(sources.terminated, 0, terminated);
          for (const name of ['normalisedObservations', 'normalisedFinalObservations', 'scaledRewards'] as const) {
            q.writeBuffer(b[name]!, 0, new Uint32Array(b[name]!.size / 4).fill(POISON_F32_BITS));
          }
          const got = await gpuStep(gpu(), `normalisers step ${step}`, async () => {
            const encoder = device.createCommandEncoder();
            const pass = encoder.beginComputePass();
            normalisers.dispatchRewards(pass);
            normalisers.dispatchObservations(pass);
            pass.end();
            q.submit([encoder.finish()]);
            return {
              normalised: await read(b.normalisedObservations!),
              normalisedFinal: await read(b.normalisedFinalObservations!),
              scaled: await read(b.scaledRewards!),
              returns: await read(b.discountedReturns!),
              statistics: await normalisers.readStatistics(),
            };
          });
          for (let g = 0; g < G; g += 1) {
            const rows = (values: Float32Array) =>
              Array.from({ length: B }, (_, k) => Array.from(values.subarray((g * B + k) * OBS, (g * B + k + 1) * OBS)));
            const expected = normaliseObservationsReference(observationRms[g]!, rows(observations), rows(finals));
            const scaled = rewardScalers[g]!.step(Array.from(rewards.subarray(g * B, (g + 1) * B)), Array.from(terminated.subarray(g * B, (g + 1) * B)));
            const where = (what: string) => `${what}, step ${step}, agent ${g} (seed ${seed})`;
            for (let k = 0; k < B; k += 1) {
              for (let d = 0; d < OBS; d += 1) {
                const i = (g * B + k) * OBS + d;
                close(got.normalised[i]!, expected.normalised[k]![d]!, 2e-5, where(`normalised observation (${k}, ${d})`));
                close(got.normalisedFinal[i]!, expected.normalisedFinal[k]![d]!, 2e-5, where(`normalised final observation (${k}, ${d})`));
              }
              close(got.scaled[g * B + k]!, scaled[k]!, 2e-5, where(`scaled reward ${k}`));
              close(got.returns[g * B + k]!, rewardScalers[g]!.returns[k]!, 1e-5, where(`discounted return ${k}`));
            }
            const obsStats = got.statistics.observations!;
            for (let d = 0; d < OBS; d += 1) {
              close(obsStats.mean[g * OBS + d]!, observationRms[g]!.mean[d]!, 1e-5, where(`observation mean ${d}`));
              close(obsStats.variance[g * OBS + d]!, observationRms[g]!.variance[d]!, 1e-5, where(`observation var ${d}`));
              expect(obsStats.samples[g * OBS + d]).toBe((step + 1) * B);
            }
            close(got.statistics.rewards!.variance[g]!, rewardScalers[g]!.rms.variance[0]!, 1e-5, where('return var'));
            expect(got.statistics.rewards!.samples[g]).toBe((step + 1) * B);
          }
        }
      } finally {
        normalisers.destroy();
        for (const buffer of Object.values(sources)) buffer.destroy();
      }
    });
  }

  it('keeps the merge exact at a count of 5·10^7 samples (a u32 count, not an f32 one)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const G = 1;
    const B = 37;
    const OBS = 2;
    const start = 50_000_000;
    const sources = {
      observations: createBufferWithData(device, 'test.observations', Float32Array.from({ length: B * OBS }, () => 10 + random() * 4)),
      finalObservations: createBufferWithData(device, 'test.final-observations', new Float32Array(B * OBS)),
      rewards: createBufferWithData(device, 'test.rewards', new Float32Array(B)),
      terminated: createBufferWithData(device, 'test.terminated', new Uint32Array(B)),
    };
    const normalisers = await createRunningNormalisers(device, { agents: G, envsPerAgent: B, observationSize: OBS, observations: true, rewards: false, sources });
    const rms = new RunningMeanStd(OBS);
    rms.count = start + 1e-4;
    const moments = new ArrayBuffer(OBS * RUNNING_MOMENTS_BYTES);
    for (let d = 0; d < OBS; d += 1) {
      rms.mean[d] = 0.25 + d;
      rms.variance[d] = 1.5;
      new Float32Array(moments, d * 16, 2).set([rms.mean[d]!, rms.variance[d]!]);
      new Uint32Array(moments, d * 16 + 8, 1)[0] = start;
    }
    device.queue.writeBuffer(normalisers.buffers.observationStatistics!, 0, moments);
    try {
      const observations = new Float32Array(await readBufferOnce(device, sources.observations));
      const rows = Array.from({ length: B }, (_, k) => Array.from(observations.subarray(k * OBS, (k + 1) * OBS)));
      const meanBefore = [...rms.mean];
      rms.update(rows);
      const stats = await gpuStep(gpu(), 'normalise at a large count', async () => {
        for (let i = 0; i < 3; i += 1) {
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          normalisers.dispatchObservations(pass);
          pass.end();
          device.queue.submit([encoder.finish()]);
          if (i > 0) rms.update(rows);
        }
        return (await normalisers.readStatistics()).observations!;
      });
      for (let d = 0; d < OBS; d += 1) {
        // The mean moves by ~δ·B/count ≈ 7e-6·δ per update: f32 resolves it at this magnitude (ulp 1.2e-7 … 2.4e-7).
        const shift = rms.mean[d]! - meanBefore[d]!;
        expect(Math.abs(stats.mean[d]! - meanBefore[d]! - shift), `mean shift dim ${d} (seed ${seed})`).toBeLessThan(0.02 * shift + 3e-7);
        close(stats.variance[d]!, rms.variance[d]!, 1e-6, `variance dim ${d}`);
        expect(stats.samples[d]).toBe(start + 3 * B);
      }
    } finally {
      normalisers.destroy();
      for (const buffer of Object.values(sources)) buffer.destroy();
    }
  });
});
