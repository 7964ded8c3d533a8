/**
 * The statistics block (src/losses/statistics.ts) on a real device against the float64 reference
 * (test/reference/statistics.ts), on fresh random loss terms and rollouts with random episode
 * boundaries (terminations and truncations) at odd shapes, and at 10^6 rollout elements and 10^6
 * minibatch rows (through the shared segmented reduction, src/gpu/reduce.ts). Every word of the
 * block is poisoned first. Normalisation: |gpu − ref| ≤ 1e-5·scale, with scale the mean |summand|
 * for a mean (a mean of ± terms can be near 0 while its summands are not) and |ref| for ratios
 * (ess, explained variance), the grad norm and counts; NaN where the reference says "does not apply".
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, readBufferOnce } from '../../src/gpu/index';
import {
  LOSS_COEFFICIENT,
  LOSS_COEFFICIENT_WORDS,
  LOSS_TERM,
  LOSS_TERM_COUNT,
  STATISTICS,
  STATISTICS_WORDS,
  createStatistics,
  decodeStatistics,
  packLossCoefficients,
  type StatisticName,
} from '../../src/losses/index';
import { statisticsReference, type StatisticsParts } from '../reference/statistics';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const seed = freshSeed();
const random = seededRandom(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();

interface Case {
  agents: number;
  steps: number;
  envs: number;
  minibatches: number;
  updates: number;
  parts: StatisticsParts;
}

const ALL: StatisticsParts = { entropy: true, klPenalty: true, valueLoss: true, critic: true, gradNorm: true };
const REINFORCE: StatisticsParts = { entropy: false, klPenalty: false, valueLoss: false, critic: false, gradNorm: true };

async function runCase(gpu: ReturnType<ReturnType<typeof useGpu>>, c: Case) {
  const { device } = gpu;
  const { agents, steps, envs } = c;
  const count = steps * envs;
  const stats = await createStatistics(device, {
    agents,
    steps,
    envs,
    minibatches: c.minibatches,
    updates: c.updates,
    entropy: c.parts.entropy,
    klPenalty: c.parts.klPenalty,
    valueLoss: c.parts.valueLoss,
    critic: c.parts.critic,
    gradNorm: c.parts.gradNorm,
  });
  const m = stats.rowsPerAgent;
  const rows = agents * m;
  // Loss terms as `updates` accumulated minibatches would leave them.
  const lossTerms = new Float32Array(LOSS_TERM_COUNT * rows);
  const fill = (column: number, draw: () => number) => {
    for (let r = 0; r < rows; r += 1) {
      let total = 0;
      for (let u = 0; u < c.updates; u += 1) total += draw();
      lossTerms[column * rows + r] = total;
    }
  };
  fill(LOSS_TERM.surrogate, () => uniform(-2, 1.8));
  fill(LOSS_TERM.entropy, () => uniform(0.5, 1.4));
  fill(LOSS_TERM.klPenalty, () => uniform(0, 0.05));
  fill(LOSS_TERM.valueLoss, () => uniform(0, 3));
  fill(LOSS_TERM.approxKl, () => uniform(0, 0.02));
  fill(LOSS_TERM.clipped, () => (random() < 0.15 ? 1 : 0));
  for (let r = 0; r < rows; r += 1) {
    let w = 0;
    let w2 = 0;
    for (let u = 0; u < c.updates; u += 1) {
      const x = Math.exp(uniform(-1, 1));
      w += x;
      w2 += x * x;
    }
    lossTerms[LOSS_TERM.weight * rows + r] = w;
    lossTerms[LOSS_TERM.weightSquared * rows + r] = w2;
  }
  // A rollout whose targets have a large mean and a small spread: the variance must not cancel.
  const returns = Float32Array.from({ length: count }, () => 50 + uniform(-2, 2));
  const values = Float32Array.from(returns, (r) => r + uniform(-0.7, 0.6));
  const terminated = Uint32Array.from({ length: count }, () => (random() < 0.02 ? 1 : 0));
  const truncated = Uint32Array.from({ length: count }, () => (random() < 0.01 ? 1 : 0));
  const done = (i: number) => terminated[i] !== 0 || truncated[i] !== 0;
  const episodeReturns = Float32Array.from({ length: count }, (_, i) => (done(i) ? uniform(-100, 500) : 0));
  const episodeLengths = Uint32Array.from({ length: count }, (_, i) => (done(i) ? 1 + Math.floor(random() * 500) : 0));
  const gradNormSquared = Float32Array.from({ length: agents }, () => uniform(0.01, 4));
  const coefficients = packLossCoefficients(agents, Array.from({ length: agents }, () => ({ klBeta: uniform(0, 3) })));

  const set = new BufferSet(device, 'statistics-test', {
    returns: { size: 4 * count },
    values: { size: 4 * count },
    terminated: { size: 4 * count },
    truncated: { size: 4 * count },
    episodeReturns: { size: 4 * count },
    episodeLengths: { size: 4 * count },
    gradNormSquared: { size: 4 * agents },
    coefficients: { size: coefficients.byteLength },
  });
  const b = set.buffers;
  try {
    const bytes = await gpuStep(gpu, 'statistics', async () => {
      device.queue.writeBuffer(b.returns, 0, returns);
      device.queue.writeBuffer(b.values, 0, values);
      device.queue.writeBuffer(b.terminated, 0, terminated);
      device.queue.writeBuffer(b.truncated, 0, truncated);
      device.queue.writeBuffer(b.episodeReturns, 0, episodeReturns);
      device.queue.writeBuffer(b.episodeLengths, 0, episodeLengths);
      device.queue.writeBuffer(b.gradNormSquared, 0, gradNormSquared);
      device.queue.writeBuffer(b.coefficients, 0, coefficients);
      device.queue.writeBuffer(stats.buffers.lossTerms, 0, lossTerms);
      device.queue.writeBuffer(stats.buffers.statistics, 0, new Float32Array(agents * STATISTICS_WORDS).fill(-12345));
      const encoder = device.createCommandEncoder();
      stats.encode(encoder, { ...b });
      device.queue.submit([encoder.finish()]);
      return readBufferOnce(device, stats.buffers.statistics);
    });
    const reference = statisticsReference({
      agents,
      steps,
      envs,
      rowsPerAgent: m,
      updates: c.updates,
      lossTerms,
      returns,
      values,
      terminated,
      truncated,
      episodeReturns,
      episodeLengths,
      gradNormSquared,
      klBeta: Array.from({ length: agents }, (_, g) => coefficients[g * LOSS_COEFFICIENT_WORDS + LOSS_COEFFICIENT.klBeta]!),
      parts: c.parts,
    });
    const words = new Float32Array(bytes);
    return { gpu: decodeStatistics(bytes, agents), reference, words };
  } finally {
    stats.destroy();
    set.destroy();
  }
}

function expectMatches(result: Awaited<ReturnType<typeof runCase>>, what: string) {
  let worst = 0;
  result.reference.forEach((record, g) => {
    for (const name of Object.keys(STATISTICS) as StatisticName[]) {
      const gpu = result.gpu[g]![name];
      const { value, scale } = record[name];
      const where = `${what}, agent ${g}, ${name}: gpu ${gpu}, ref ${value} (seed ${seed})`;
      if (Number.isNaN(value)) {
        expect(Number.isNaN(gpu), where).toBe(true);
        continue;
      }
      const error = Math.abs(gpu - value) / Math.max(scale, 1e-30);
      worst = Math.max(worst, scale === 0 ? Math.abs(gpu - value) : error);
      expect(scale === 0 ? gpu : error, where).toBeLessThan(scale === 0 ? 1e-30 : 1e-5);
    }
    for (let k = Object.keys(STATISTICS).length; k < STATISTICS_WORDS; k += 1) {
      expect(result.words[g * STATISTICS_WORDS + k], `reserved word ${k}`).toBe(0);
    }
  });
  return worst;
}

describe('statistics block vs the float64 reference', () => {
  const gpu = useGpu();

  const cases: [string, Case][] = [
    ['T = 123, N = 7, PPO parts, 12 accumulated updates', { agents: 1, steps: 123, envs: 7, minibatches: 3, updates: 12, parts: ALL }],
    ['T = 1000, N = 1, REINFORCE parts', { agents: 1, steps: 1000, envs: 1, minibatches: 8, updates: 1, parts: REINFORCE }],
    ['T = 5, N = 4099, PPO parts', { agents: 1, steps: 5, envs: 4099, minibatches: 5, updates: 4, parts: ALL }],
    ['G = 3, T = 123, N = 21', { agents: 3, steps: 123, envs: 21, minibatches: 41, updates: 2, parts: { ...ALL, klPenalty: false } }],
  ];
  it.each(cases)('%s', async (what, c) => {
    const result = await runCase(gpu(), c);
    const worst = expectMatches(result, what);
    console.log(`[statistics] ${what}: worst scaled error ${worst.toExponential(2)}`);
  });

  it('10^6 rollout elements and 10^6 minibatch rows per agent match float64 sums to < 1e-5', async () => {
    const c: Case = { agents: 1, steps: 1000, envs: 1000, minibatches: 1, updates: 1, parts: ALL };
    const result = await runCase(gpu(), c);
    const worst = expectMatches(result, '10^6');
    console.log(`[statistics] 10^6 elements: worst scaled error ${worst.toExponential(2)} (seed ${seed})`);
  });

  it('bad input: clear errors', async () => {
    const { device } = gpu();
    const base = { agents: 2, steps: 10, envs: 4, minibatches: 4 };
    await expect(createStatistics(device, { ...base, envs: 5 })).rejects.toThrow(/envs must be divisible by agents = 2 \(got 5\)/);
    await expect(createStatistics(device, { ...base, minibatches: 3 })).rejects.toThrow(/3 minibatches do not divide 20 rows per agent/);
    await expect(createStatistics(device, { ...base, updates: 0 })).rejects.toThrow(/updates must be a positive integer/);
  });
});
