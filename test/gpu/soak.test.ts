/**
 * Soak: 10 000 PPO iterations of a tiny CartPole-v1 config (1 env, 2 steps, 1 epoch of 1
 * minibatch, hidden [4]) through the trainer API (createTrainer, iterate, drain, destroy), watching
 * for anything that grows per iteration. After warm-up the engine creates no GPU buffer
 * (gpuCounters: created and destroyed stay put; each iteration's own report counts 0 created),
 * destroy() frees every buffer the trainer made, and the JS heap, measured after full garbage
 * collections, stays flat. SOAK_ITERATIONS=n (a multiple of SAMPLE_EVERY, at least 4 of them)
 * runs a shorter or longer soak.
 *
 * The heap bound. heapUsed after gc() moves by up to ~0.2 MB between samples with no leak (free
 * lists, inline caches), and V8's code spaces keep growing slowly as functions are re-optimised
 * (~10 bytes per iteration here: compiled code, not data the engine keeps), so a single end − start
 * difference would need a loose bound. The statistic is instead the least-squares slope of the data
 * heap (heapUsed less the code spaces, v8.getHeapSpaceStatistics) over a sample every SAMPLE_EVERY
 * iterations after warm-up, required below HEAP_SLOPE_BOUND = 30 bytes per iteration (0.27 MB over
 * the 9 000 iterations fitted). A leak of one small array per iteration exceeds it: the
 * per-iteration learning-rate list that src/train/actor-critic.ts used to keep measured ~98 bytes
 * per iteration here, and this test found it.
 *
 * gc() is exposed inside the vitest worker without touching the shared config: V8 reads
 * --expose-gc when a context is created, so a vm context made after setting the flag has `gc`.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/algos/index';
import { gpuCounters } from '../../src/gpu/index';
import { gpuStep, useGpu } from '../support/gpu';

const SAMPLE_EVERY = 500;
const ITERATIONS = Number(process.env.SOAK_ITERATIONS ?? 10_000);
if (!Number.isInteger(ITERATIONS) || ITERATIONS % SAMPLE_EVERY !== 0 || ITERATIONS < 4 * SAMPLE_EVERY) {
  throw new RangeError(`SOAK_ITERATIONS must be a multiple of ${SAMPLE_EVERY} of at least ${4 * SAMPLE_EVERY} (got ${process.env.SOAK_ITERATIONS})`);
}
/** Iterations before the baseline: first-use bind groups, pipeline caches, the JIT's tiers. */
const WARM_UP = Math.min(1000, ITERATIONS / 4);
const HEAP_SLOPE_BOUND = 30;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** heapUsed after two full collections (the second reclaims what the first's finalisers released), and its code spaces' share. */
function settledHeap(): { heap: number; code: number } {
  gc();
  gc();
  const heap = process.memoryUsage().heapUsed;
  const code = v8
    .getHeapSpaceStatistics()
    .filter((space) => space.space_name.startsWith('code'))
    .reduce((sum, space) => sum + space.space_used_size, 0);
  return { heap, code };
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;

describe('soak', () => {
  const gpu = useGpu();

  it(`${ITERATIONS} PPO iterations: no buffer created after warm-up, JS data heap slope below ${HEAP_SLOPE_BOUND} bytes per iteration`, { timeout: 900_000 }, async () => {
    const { device } = gpu();
    const counters = gpuCounters(device);
    const config = { algo: 'ppo', env: 'CartPole-v1', seed: 3, numEnvs: 1, numSteps: 2, updateEpochs: 1, numMinibatches: 1, hiddenSizes: [4], totalTimesteps: 2 * ITERATIONS } as const;
    const liveBefore = counters.buffersCreated - counters.buffersDestroyed;
    const trainer = await createTrainer(device, config);
    try {
      expect(trainer.numIterations).toBe(ITERATIONS);
      const samples: { iteration: number; created: number; destroyed: number; heap: number; code: number; ms: number }[] = [];
      const started = performance.now();
      const sample = (iteration: number) => {
        const s = { iteration, created: counters.buffersCreated, destroyed: counters.buffersDestroyed, ...settledHeap(), ms: performance.now() - started };
        samples.push(s);
        const at = iteration === WARM_UP ? 'start' : iteration === ITERATIONS / 2 ? 'middle' : iteration === ITERATIONS ? 'end' : '';
        if (at) console.log(`[soak] ${at.padEnd(6)} iteration ${String(iteration).padStart(5)}: buffers created ${s.created}, destroyed ${s.destroyed}; heap ${mb(s.heap)} (code ${mb(s.code)}, data ${mb(s.heap - s.code)}); ${(s.ms / 1000).toFixed(1)} s`);
      };
      // Counted, not expect()ed per iteration: 10 000 expect calls would be part of what the heap measures.
      let createdAfterFirst = 0;
      let outOfOrder = 0;
      let lastIteration = -1;
      let dispatches = 0;
      let episodes = 0;
      await gpuStep(gpu(), 'soak iterations', async () => {
        for (let i = 0; i < ITERATIONS; i += 1) {
          if (i >= WARM_UP && i % SAMPLE_EVERY === 0) sample(i);
          const stats = await trainer.iterate();
          if (!stats) continue;
          // One iteration late, in order; only the first may make buffers (first-use bind groups).
          if (stats.iteration !== lastIteration + 1) outOfOrder += 1;
          lastIteration = stats.iteration;
          if (stats.iteration > 0) createdAfterFirst += stats.counters.buffersCreated;
          dispatches = stats.counters.dispatches;
        }
        const last = await trainer.drain();
        expect(last!.iteration).toBe(ITERATIONS - 1);
        episodes = last!.episodesFinished;
      });
      sample(ITERATIONS);
      const start = samples[0]!;
      const end = samples.at(-1)!;
      const middle = samples.find((s) => s.iteration === ITERATIONS / 2)!;
      const dataSlope = slope(samples.map((s) => ({ x: s.iteration, y: s.heap - s.code })));
      const heapSlope = slope(samples.map((s) => ({ x: s.iteration, y: s.heap })));
      const data = samples.map((s) => s.heap - s.code);
      console.log(
        `[soak] ${ITERATIONS} iterations (${trainer.stepsPerIteration} env steps and ${dispatches} dispatches each, ${episodes} episodes) in ${(end.ms / 1000).toFixed(1)} s ` +
          `after creation, ${((end.ms - start.ms) / (ITERATIONS - WARM_UP)).toFixed(2)} ms per iteration after warm-up; heapUsed end − start ${mb(end.heap - start.heap)} ` +
          `(slope ${heapSlope.toFixed(1)} bytes per iteration); data heap end − start ${mb(end.heap - end.code - start.heap + start.code)}, ` +
          `range ${mb(Math.max(...data) - Math.min(...data))} over ${samples.length} samples, slope ${dataSlope.toFixed(1)} bytes per iteration (bound ${HEAP_SLOPE_BOUND})`,
      );
      expect(outOfOrder, 'statistics out of order').toBe(0);
      expect(createdAfterFirst, 'buffers created by iterations after the first (their own reports)').toBe(0);
      expect([middle.created, middle.destroyed], 'buffers created/destroyed between the start and the middle').toEqual([start.created, start.destroyed]);
      expect([end.created, end.destroyed], 'buffers created/destroyed between the start and the end').toEqual([start.created, start.destroyed]);
      expect(dataSlope, `data heap slope over iterations ${WARM_UP}–${ITERATIONS} (bytes per iteration)`).toBeLessThan(HEAP_SLOPE_BOUND);
      expect(episodes, 'episodes finished (the envs ran)').toBeGreaterThan(0);
    } finally {
      trainer.destroy();
    }
    expect(counters.buffersCreated - counters.buffersDestroyed, 'buffers alive after destroy()').toBe(liveBefore);
  });
});
