/**
 * A JavaScript env stepped in halves (src/rollout/host-halves.ts) against the same env stepped
 * whole: the host vector env's ranged steps give the same instances as whole steps, and a PPO
 * trainer pipelined in halves gives the unpipelined run's transitions, IterationStats and
 * parameters bit for bit (CartPole; Snake with masks and metrics; a box env through the
 * per-instance adapter, which samples Gaussian halves). Odd N and a normalising config fall back
 * to whole steps.
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import type { PpoConfig } from '../../src/algos/ppo/config';
import type { BatchedHostEnv } from '../../src/envs/batched-host-env';
import { batchHostEnv, createHostVectorEnv, type HostEnv } from '../../src/envs/host-env';
import { readBufferOnce } from '../../src/gpu/readback';
import type { IterationStats } from '../../src/train/report';
import { cartPoleHost } from '../support/cartpole-host';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { SnakeBatch } from '../support/snake-host';

/** The game, with every stepBatch call's [from, to) logged. */
function logged(game: BatchedHostEnv): { env: BatchedHostEnv; ranges: [number, number][] } {
  const ranges: [number, number][] = [];
  const env: BatchedHostEnv = {
    ...game,
    name: game.name,
    observationSize: game.observationSize,
    actionSpace: game.actionSpace,
    maxEpisodeSteps: game.maxEpisodeSteps,
    ...(game.actionMasks ? { actionMasks: true } : {}),
    ...(game.episodeMetrics ? { episodeMetrics: game.episodeMetrics } : {}),
    ...(game.stepsRanges !== undefined ? { stepsRanges: game.stepsRanges } : {}),
    resetBatch: (batch, instances) => game.resetBatch(batch, instances),
    stepBatch: (batch, from, to) => {
      ranges.push([from, to]);
      game.stepBatch(batch, from, to);
    },
  };
  return { env, ranges };
}

/** A one-dimensional point pushed towards 0 by a box action: a per-instance game, so the adapter steps ranges. */
function pointGame(): HostEnv {
  let x: number[] = [];
  return {
    name: 'point',
    observationSize: 2,
    actionSpace: { kind: 'box', size: 2, low: [-1, -1], high: [1, 1] },
    maxEpisodeSteps: 9,
    reset(env, random) {
      x[env] = 4 * random() - 2;
      return [x[env]!, 0];
    },
    step(env, action, random) {
      const a = action as Float32Array;
      x[env] = x[env]! + 0.5 * a[0]! - 0.1 * a[1]! + 0.01 * (random() - 0.5);
      return { observation: [x[env]!, a[1]!], reward: -Math.abs(x[env]!), terminated: Math.abs(x[env]!) < 0.05 };
    },
  };
}

const TRANSITION_FIELDS = [
  'observations',
  'actions',
  'logProbs',
  'values',
  'rewards',
  'terminated',
  'truncated',
  'finalObservations',
  'finalValues',
  'lastValues',
  'episodeReturns',
  'episodeLengths',
  'masks',
  'episodeMetrics',
] as const;

interface Run {
  readonly stats: IterationStats[];
  /** Per iteration: every transition field's bits. */
  readonly transitions: Record<string, Uint32Array>[];
  readonly parameters: Record<string, Float32Array>;
  readonly ranges: [number, number][];
}

/** `iterations` PPO iterations on `game`, each drained and its record read back. */
async function train(device: GPUDevice, game: BatchedHostEnv, config: Omit<PpoConfig, 'env'>, iterations: number): Promise<Run> {
  const { env, ranges } = logged(game);
  const trainer = await createPpoTrainer(device, { ...config, env });
  try {
    const stats: IterationStats[] = [];
    const transitions: Record<string, Uint32Array>[] = [];
    for (let i = 0; i < iterations; i += 1) {
      await trainer.iterate();
      stats.push((await trainer.drain())!);
      const buffers = trainer.buffers.transitions as unknown as Record<string, GPUBuffer | undefined>;
      const record: Record<string, Uint32Array> = {};
      for (const field of TRANSITION_FIELDS) {
        const buffer = buffers[field];
        if (buffer) record[field] = new Uint32Array(await readBufferOnce(device, buffer));
      }
      transitions.push(record);
    }
    const { networks } = await trainer.readParameters();
    const parameters = Object.fromEntries(Object.entries(networks).map(([name, n]) => [name, n.parameters]));
    return { stats, transitions, parameters, ranges };
  } finally {
    trainer.destroy();
  }
}

/** The first field (iteration, name, index) where two runs' bits differ, or null. */
function firstDifference(a: Run, b: Run): string | null {
  for (const [i, record] of a.transitions.entries()) {
    for (const [field, bits] of Object.entries(record)) {
      const other = b.transitions[i]![field];
      if (!other || other.length !== bits.length) return `iteration ${i}: ${field} missing or resized`;
      const k = bits.findIndex((word, j) => word !== other[j]);
      if (k >= 0) return `iteration ${i}: ${field}[${k}] ${bits[k]} vs ${other[k]}`;
    }
  }
  return null;
}

const halvesOf = (n: number): [number, number][] => [
  [0, n / 2],
  [n / 2, n],
];

describe('pipelining a JavaScript env in halves', () => {
  const gpu = useGpu();
  const ppo = (seed: number, numEnvs: number, numSteps: number): Omit<PpoConfig, 'env'> => ({
    seed,
    numEnvs,
    numSteps,
    hiddenSizes: [8],
    updateEpochs: 2,
    numMinibatches: 2,
    annealLr: false,
    totalTimesteps: 100 * numEnvs * numSteps,
  });

  it('HostVectorEnv.step(from, to) over two halves gives the whole step (Snake, 10 envs × 60 steps, masks and metrics)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const N = 10;
    const whole = await createHostVectorEnv(device, new SnakeBatch(N, {}, 25), { numEnvs: N, seed });
    const halves = await createHostVectorEnv(device, new SnakeBatch(N, {}, 25), { numEnvs: N, seed });
    try {
      await gpuStep(gpu(), 'snake halves', async () => {
        whole.reset();
        halves.reset();
        let ended = 0;
        for (let t = 0; t < 60; t += 1) {
          const actions = Uint32Array.from({ length: N }, () => Math.floor(random() * 4));
          whole.writeActions(actions);
          halves.writeActions(actions);
          await whole.step();
          await halves.step(0, N / 2);
          await halves.step(N / 2, N);
          for (const [field, expected] of Object.entries(whole.latest)) {
            expect([...(halves.latest as unknown as Record<string, Float32Array>)[field]!], `seed ${seed}, step ${t}: ${field}`).toEqual([...expected]);
          }
          ended += whole.latest.episodeLengths.filter((l) => l > 0).length;
        }
        const [a, b] = [await whole.read(), await halves.read()];
        for (const [field, expected] of Object.entries(a)) expect([...(b as unknown as Record<string, Float32Array>)[field]!], `${field} on the GPU`).toEqual([...expected]);
        expect(halves.timings.instanceSteps).toBe(60 * N);
        expect(halves.timings.steps).toBe(120);
        expect(ended, 'episodes ended (the step limit of 25 at least)').toBeGreaterThan(N);
      });
    } finally {
      whole.destroy();
      halves.destroy();
    }
  });

  it('refuses a range the game cannot step, naming the call, the range and what is valid', async () => {
    const { device } = gpu();
    const whole = await createHostVectorEnv(device, cartPoleHost('whole-only', { stepsRanges: false }), { numEnvs: 4, seed: 3 });
    const ranged = await createHostVectorEnv(device, cartPoleHost(), { numEnvs: 4, seed: 3 });
    try {
      whole.reset();
      ranged.reset();
      await expect(whole.step(0, 2)).rejects.toThrow(
        "host env 'whole-only': step(0, 2) takes a range of instances, but the env does not declare stepsRanges (its stepBatch steps every instance; valid: the whole range 0 … numEnvs)",
      );
      await expect(ranged.step(2, 2)).rejects.toThrow("host env 'cartpole-js': step(from, to) needs integers with 0 ≤ from < to ≤ 4 (got 2, 2)");
      await expect(ranged.step(1, 5)).rejects.toThrow('needs integers with 0 ≤ from < to ≤ 4 (got 1, 5)');
      const encoder = device.createCommandEncoder();
      ranged.encodeActionReadback(encoder, 2, 4);
      expect(() => ranged.encodeActionReadback(encoder, 1, 4)).toThrow(
        "host env 'cartpole-js': encodeActionReadback(1, 4) while action copies of instances [2, 4) are pending in the same staging buffer: step(2, 4) first",
      );
      device.queue.submit([encoder.finish()]);
      await ranged.step(2, 4);
      expect(ranged.timings.instanceSteps).toBe(2);
    } finally {
      whole.destroy();
      ranged.destroy();
    }
  });

  const cases: { name: string; game: (stepsRanges: boolean) => BatchedHostEnv; numEnvs: number }[] = [
    { name: 'CartPole', game: (stepsRanges) => cartPoleHost('cartpole-js', { stepsRanges }), numEnvs: 8 },
    { name: 'Snake (masks, metrics)', game: (stepsRanges) => new SnakeBatch(10, {}, 30, stepsRanges), numEnvs: 10 },
    { name: 'a box env through the per-instance adapter (Gaussian)', game: (stepsRanges) => ({ ...batchHostEnv(pointGame()), stepsRanges }), numEnvs: 8 },
  ];
  for (const { name, game, numEnvs } of cases) {
    it(`PPO on ${name}, ${numEnvs} envs × 16 steps, 3 iterations: pipelined equals unpipelined bit for bit`, async () => {
      const { device } = gpu();
      const seed = freshSeed();
      const config = ppo(seed, numEnvs, 16);
      const [pipelined, whole] = await gpuStep(gpu(), name, async () => [await train(device, game(true), config, 3), await train(device, game(false), config, 3)]);
      expect(firstDifference(pipelined, whole), `seed ${seed}`).toBeNull();
      // Everything but the GPU counters, which count the halves' extra submits, copies and readbacks.
      const withoutCounters = (stats: IterationStats[]) => stats.map(({ counters: _, ...rest }) => rest);
      expect(withoutCounters(pipelined.stats), `seed ${seed}: IterationStats`).toEqual(withoutCounters(whole.stats));
      // Per iteration: the first half's own submit, a submit per half-step, the rollout's end; one readback per half-step and the report's.
      expect(pipelined.stats.map((s) => [s.counters.submits, s.counters.readbacks])).toEqual(pipelined.stats.map(() => [2 * 16 + 2, 2 * 16 + 1]));
      expect(whole.stats.map((s) => [s.counters.submits, s.counters.readbacks])).toEqual(whole.stats.map(() => [16 + 1, 16 + 1]));
      for (const [network, parameters] of Object.entries(whole.parameters)) {
        const other = pipelined.parameters[network]!;
        expect(new Uint32Array(other.buffer, other.byteOffset, other.length), `seed ${seed}: ${network} parameters`).toEqual(new Uint32Array(parameters.buffer, parameters.byteOffset, parameters.length));
      }
      // Every rollout step is the two halves, in order; unpipelined, one whole call.
      expect(pipelined.ranges).toEqual(Array.from({ length: 3 * 16 }, () => halvesOf(numEnvs)).flat());
      expect(whole.ranges).toEqual(Array.from({ length: 3 * 16 }, () => [0, numEnvs]));
      const episodes = whole.stats.reduce((sum, s) => sum + s.episodesFinished, 0);
      console.log(`[host-pipelining] ${name}: ${episodes} episodes over 3 iterations, returnMean100 ${whole.stats[2]!.returnMean100.toFixed(3)}, seed ${seed}`);
    });
  }

  it('odd N and observation normalisation step the env whole', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const odd = await gpuStep(gpu(), 'odd N', () => train(device, cartPoleHost(), ppo(seed, 7, 8), 1));
    expect(odd.ranges).toEqual(Array.from({ length: 8 }, () => [0, 7]));
    const normalised = await gpuStep(gpu(), 'normObs', () => train(device, cartPoleHost(), { ...ppo(seed, 8, 8), normObs: true, numMinibatches: 2 }, 1));
    expect(normalised.ranges).toEqual(Array.from({ length: 8 }, () => [0, 8]));
    expect(odd.stats[0]!.iteration).toBe(0);
  });
});
