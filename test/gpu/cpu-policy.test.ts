/**
 * agent.policy() (src/agent/cpu-policy.ts) against agent.act() on the GPU, after one iteration of
 * training moved the parameters and the observation statistics off their start: for each policy
 * kind (categorical with masks, multi-discrete, a Gaussian box, hybrid), with and without the
 * observation normaliser, on 1 001 fresh random observations at odd layer sizes, the CPU
 * policy's outputs (logits, means) equal the GPU's to 1e-5 (relative above 1), greedy discrete
 * actions are the GPU's (rows whose two best logits are within rounding of each other excepted and
 * counted) and greedy continuous actions its clipped means; CpuPolicy.fromCheckpoint() gives the
 * same numbers from the agent's checkpoint; refresh() follows further training.
 */
import { describe, expect, it } from 'vitest';
import { Agent, CpuPolicy, customEnv, type AlgorithmConfig, type EnvSource } from '../../src/index';
import { maskWidth } from '../../src/envs/types';
import { useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { AIM } from '../support/aim-env';
import { CURSOR } from '../support/cursor-env';

/** Fresh random observations per policy kind: a thousand, an odd count. */
const ROWS = 1001;
/** Outputs may differ by float32 rounding of sums over a few dozen terms. */
const TOLERANCE = 1e-5;

/** |a − b| / max(1, |b|) at its largest: relative above 1, absolute below (as test/gpu/agent-onnx.test.ts). */
function largestError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let largest = 0;
  for (let i = 0; i < actual.length; i += 1) largest = Math.max(largest, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return largest;
}

/** A random mask [rows][Σ nvec] allowing at least one action of each branch of each row. */
function randomMask(random: () => number, rows: number, nvec: readonly number[]): Uint8Array {
  const width = nvec.reduce((s, n) => s + n, 0);
  const mask = Uint8Array.from({ length: rows * width }, () => (random() < 0.6 ? 1 : 0));
  for (let r = 0; r < rows; r += 1) {
    let offset = r * width;
    for (const n of nvec) {
      mask[offset + Math.floor(random() * n)] = 1;
      offset += n;
    }
  }
  return mask;
}

/**
 * Rows (or branches) whose two best allowed GPU logits are closer than rounding can separate: there
 * either argmax is right. Returns, per (row, branch), whether it is such a near tie.
 */
function nearTies(logits: Float32Array, rows: number, offsetInRow: number, nvec: readonly number[], mask: Uint8Array | null): boolean[] {
  const width = logits.length / rows;
  const maskRow = nvec.reduce((s, n) => s + n, 0);
  const ties: boolean[] = [];
  for (let r = 0; r < rows; r += 1) {
    let offset = offsetInRow;
    let maskOffset = 0;
    for (const n of nvec) {
      const allowed = Array.from({ length: n }, (_, a) => a).filter((a) => !mask || mask[r * maskRow + maskOffset + a]);
      const sorted = allowed.map((a) => logits[r * width + offset + a]!).sort((x, y) => y - x);
      ties.push(sorted.length > 1 && sorted[0]! - sorted[1]! <= TOLERANCE * Math.max(1, Math.abs(sorted[0]!)));
      offset += n;
      maskOffset += n;
    }
  }
  return ties;
}

interface Case {
  readonly name: string;
  readonly env: EnvSource;
  /** PPO's config: small, a short iteration, with or without the observation normaliser. */
  readonly algorithm: Readonly<Record<string, unknown>> & { readonly normObs: boolean };
  /** Observations are drawn uniform in ±scale. */
  readonly scale: number;
}

const small = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 4 * 16 * 3 } as const;

const CASES: readonly Case[] = [
  { name: 'CartPole-v1 (categorical, raw observations)', env: 'CartPole-v1', algorithm: { ...small, hiddenSizes: [13, 7], normObs: false }, scale: 2 },
  { name: 'Snake-v0 (categorical with masks, normalised)', env: 'Snake-v0', algorithm: { ...small, hiddenSizes: [9], normObs: true }, scale: 1.5 },
  { name: 'Cursor-v0 (multi-discrete with masks, raw)', env: customEnv(CURSOR), algorithm: { ...small, hiddenSizes: [11, 5], normObs: false }, scale: 2 },
  { name: 'Pendulum-v1 (Gaussian box, normalised)', env: 'Pendulum-v1', algorithm: { ...small, hiddenSizes: [15, 6], normObs: true }, scale: 8 },
  { name: 'Aim-v0 (hybrid with masks, normalised)', env: customEnv(AIM), algorithm: { ...small, hiddenSizes: [10], normObs: true }, scale: 2 },
];

describe('agent.policy() matches agent.act()', () => {
  const gpu = useGpu();

  for (const { name, env, algorithm, scale } of CASES) {
    it(`${name}: outputs to ${TOLERANCE}, greedy actions the GPU's, log-probabilities`, async () => {
      const seed = freshSeed();
      const random = seededRandom(seed);
      const agent = await Agent.create({ env, algorithm: { ...algorithm, seed } as AlgorithmConfig, device: gpu().device, maxActBatch: ROWS });
      try {
        for await (const _ of agent.train({ iterations: 1 })) void _;
        const policy = await agent.policy();
        const space = agent.env.actionSpace;
        const nvec = space.kind === 'discrete' ? [space.n] : space.kind === 'multiDiscrete' || space.kind === 'hybrid' ? space.nvec : [];
        const D = space.kind === 'box' ? space.size : space.kind === 'hybrid' ? space.continuous.size : 0;
        const observations = Float32Array.from({ length: ROWS * agent.env.observationSpace.size }, () => (random() * 2 - 1) * scale);
        const actionMask = agent.env.actionMasks ? randomMask(random, ROWS, nvec) : undefined;
        const options = { deterministic: true, policyOutputs: true, logProbs: true, ...(actionMask ? { actionMask } : {}) } as const;
        const gpuResult = await agent.act(observations, options);
        const cpuResult = policy.act(observations, options);

        const outputError = largestError(cpuResult.policyOutputs!, gpuResult.policyOutputs!);
        const logProbError = largestError(cpuResult.logProbs!, gpuResult.logProbs!);
        console.log(`${name}: largest |cpu − gpu| outputs ${outputError.toExponential(2)}, log p ${logProbError.toExponential(2)} (relative above 1)`);
        expect(outputError).toBeLessThan(TOLERANCE);
        expect(logProbError).toBeLessThan(1e-4);
        if (D > 0) expect(largestError(cpuResult.actions, gpuResult.actions)).toBeLessThan(TOLERANCE);
        if (nvec.length > 0) {
          const gpuBranches = (D > 0 ? gpuResult.discreteActions : gpuResult.actions) as Uint32Array;
          const cpuBranches = (D > 0 ? cpuResult.discreteActions : cpuResult.actions) as Uint32Array;
          const ties = nearTies(gpuResult.policyOutputs!, ROWS, D, nvec, actionMask ?? null);
          const differing = ties.map((_, i) => i).filter((i) => cpuBranches[i] !== gpuBranches[i]);
          console.log(`${name}: ${ties.filter(Boolean).length} near ties of ${ties.length} (row, branch) argmaxes; ${differing.length} differ`);
          expect(differing.filter((i) => !ties[i])).toEqual([]);
          expect(ties.filter(Boolean).length).toBeLessThanOrEqual(Math.ceil(ROWS / 100));
          if (actionMask) {
            // Every chosen action is one the mask allows: branch b of row r is entry offsets[b] + action of the row's mask.
            const offsets = nvec.map((_, b) => nvec.slice(0, b).reduce((s, n) => s + n, 0));
            const illegal = Array.from(cpuBranches).filter((a, i) => actionMask[Math.floor(i / nvec.length) * maskWidth(space) + offsets[i % nvec.length]! + a] !== 1);
            expect(illegal).toEqual([]);
          }
        }
        // The same policy from a checkpoint (what a game that ships one acts with, GPU-less) gives the same numbers.
        const checkpoint = await agent.checkpoint();
        const fromCheckpoint = CpuPolicy.fromCheckpoint(checkpoint).act(observations, { ...options, actionMask: actionMask ?? null });
        expect(Array.from(fromCheckpoint.policyOutputs!)).toEqual(Array.from(cpuResult.policyOutputs!));
        if (algorithm.normObs) {
          // The statistics had moved off their start (mean 0, variance 1): applying them was part of what matched.
          const moved = checkpoint.observationNormaliser!.variance.some((v) => Math.abs(v - 1) > 0.05);
          expect(moved).toBe(true);
        }
      } finally {
        agent.destroy();
      }
    });
  }

  it('refresh() follows training, also called while train() runs: a stale copy differs from act(), a refreshed one matches', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm: { ...CASES[0]!.algorithm, seed, learningRate: 0.01 } as AlgorithmConfig, device: gpu().device, maxActBatch: ROWS });
    try {
      const stale = await agent.policy();
      const live = await agent.policy();
      const observations = Float32Array.from({ length: ROWS * 4 }, () => (random() * 2 - 1) * 2);
      let refreshes = 0;
      for await (const _ of agent.train({ iterations: 2 })) {
        await live.refresh();
        refreshes += 1;
      }
      expect(refreshes).toBeGreaterThan(0);
      await live.refresh();
      const { policyOutputs } = await agent.act(observations, { policyOutputs: true });
      const staleError = largestError(stale.act(observations, { policyOutputs: true }).policyOutputs!, policyOutputs!);
      const freshError = largestError(live.act(observations, { policyOutputs: true }).policyOutputs!, policyOutputs!);
      console.log(`largest |cpu − gpu| of a copy made before training ${staleError.toExponential(2)}, after refresh() ${freshError.toExponential(2)}`);
      expect(staleError).toBeGreaterThan(100 * TOLERANCE);
      expect(freshError).toBeLessThan(TOLERANCE);
    } finally {
      agent.destroy();
    }
  });
});
