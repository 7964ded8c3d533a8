/**
 * Batched host envs (src/envs/batched-host-env.ts) on a real device: a game written per instance
 * and the same game written batched give identical runs (every buffer, masks and metrics included,
 * the game's own truncation and the step limit exercised); bad values written by the game are
 * refused naming the env, the instance, the field and the value; the JavaScript CartPole port
 * (test/support/cartpole-host.ts) replays the WGSL CartPole-v1 from the same seed; destroy() hands
 * the run's batch to the game's releaseBatch; an Agent trains PPO on a batched game end to end.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type BatchedHostEnv, type HostEnv, type IterationStats } from '../../src/index';
import { createHostVectorEnv, hostEnvTimings, type HostEnvBatch, type HostVectorEnv, type HostVectorEnvSnapshot } from '../../src/envs/host-env';
import { createVectorEnv } from '../../src/envs/vector-env';
import { cartPoleHost } from '../support/cartpole-host';
import { freshSeed, seededRandom } from '../support/random';
import { gpuStep, useGpu } from '../support/gpu';

// ---- a walker on cells −5 … 5: falls off at −5 (terminated), changes level at +5 (the game truncates) ----

const EDGE = 5;
const METRICS = ['score', 'finalCell'] as const;

/** Rules shared by both forms: the move of `action` (0 left, 1 stay, 2 right) plus a random drift. */
function walk(cell: number, action: number, random: () => number): number {
  let move = action - 1;
  if (random() < 0.25) move += random() < 0.5 ? -1 : 1;
  return Math.max(-EDGE, Math.min(EDGE, cell + move));
}
const startCell = (random: () => number) => Math.floor(random() * 5) - 2;
const rewardAt = (cell: number) => (cell === EDGE ? 1 : -0.01 * Math.abs(cell));
/** Left is illegal next to the left edge, right next to the right one. */
const legal = (cell: number, action: number) => (action === 0 ? cell > -EDGE + 1 : action === 2 ? cell < EDGE - 1 : true);

function perInstanceWalker(limit: number): HostEnv {
  const cells: number[] = [];
  const scores: number[] = [];
  return {
    name: 'walker',
    observationSize: 2,
    actionSpace: { kind: 'discrete', n: 3 },
    maxEpisodeSteps: limit,
    episodeMetrics: METRICS,
    reset(env, random) {
      cells[env] = startCell(random);
      scores[env] = 0;
      return [cells[env]! / EDGE, 0];
    },
    step(env, action, random) {
      const cell = (cells[env] = walk(cells[env]!, action as number, random));
      const reward = rewardAt(cell);
      // Kept as float32, as the batched twin keeps it.
      scores[env] = Math.fround(scores[env]! + Math.fround(reward));
      return { observation: [cell / EDGE, scores[env]!], reward, terminated: cell === -EDGE, truncated: cell === EDGE };
    },
    actionMask(env, mask) {
      for (let a = 0; a < 3; a += 1) mask[a] = legal(cells[env]!, a) ? 1 : 0;
    },
    metrics(env, out) {
      out[0] = scores[env]!;
      out[1] = cells[env]!;
    },
  };
}

/** The same game written batched, its state in typed arrays. */
function batchedWalker(limit: number): BatchedHostEnv {
  let cells = new Int32Array(0);
  let scores = new Float32Array(0);
  const writeRow = (batch: Parameters<BatchedHostEnv['stepBatch']>[0], i: number) => {
    batch.observations[2 * i] = cells[i]! / EDGE;
    batch.observations[2 * i + 1] = scores[i]!;
    for (let a = 0; a < 3; a += 1) batch.masks[3 * i + a] = legal(cells[i]!, a) ? 1 : 0;
  };
  return {
    name: 'walker',
    observationSize: 2,
    actionSpace: { kind: 'discrete', n: 3 },
    maxEpisodeSteps: limit,
    actionMasks: true,
    episodeMetrics: METRICS,
    stepsRanges: true,
    resetBatch(batch, instances) {
      if (cells.length !== batch.numEnvs) [cells, scores] = [new Int32Array(batch.numEnvs), new Float32Array(batch.numEnvs)];
      for (const i of instances) {
        cells[i] = startCell(() => batch.random(i));
        scores[i] = 0;
        writeRow(batch, i);
      }
    },
    stepBatch(batch, from, to) {
      for (let i = from; i < to; i += 1) {
        const cell = (cells[i] = walk(cells[i]!, batch.actions[i]!, () => batch.random(i)));
        batch.rewards[i] = rewardAt(cell);
        scores[i] = scores[i]! + Math.fround(rewardAt(cell));
        batch.terminated[i] = cell === -EDGE ? 1 : 0;
        if (cell === EDGE) batch.truncated[i] = 1;
        writeRow(batch, i);
        // Every row: the engine keeps those of the instances whose episode ended.
        batch.episodeMetrics[2 * i] = scores[i]!;
        batch.episodeMetrics[2 * i + 1] = cell;
      }
    },
  };
}

const FIELDS = [
  'observations',
  'rewards',
  'terminated',
  'truncated',
  'finalObservations',
  'episodeReturns',
  'episodeLengths',
  'stepCounts',
  'episodeIndices',
  'masks',
  'episodeMetrics',
] as const;

describe('batched host envs', () => {
  const gpu = useGpu();

  it('a per-instance game and its batched twin give identical runs (6 envs × 300 steps, limit 12, masks and metrics)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 6;
    const limit = 12;
    const a = await createHostVectorEnv(device, perInstanceWalker(limit), { numEnvs, seed });
    const twin = batchedWalker(limit);
    let batchSeen: HostEnvBatch | undefined;
    const b = await createHostVectorEnv(device, { ...twin, resetBatch: (batch, instances) => ((batchSeen = batch), twin.resetBatch(batch, instances)) }, { numEnvs, seed });
    const seen = { terminated: 0, gameTruncated: 0, limitTruncated: 0, maskedCells: 0 };
    try {
      await gpuStep(gpu(), 'walker twins', async () => {
        a.reset();
        b.reset();
        for (let t = 0; t < 300; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
          a.writeActions(actions);
          b.writeActions(actions);
          await a.step();
          await b.step();
          const [onGpuA, onGpuB] = [await a.read(), await b.read()];
          for (const field of FIELDS) {
            const context = `seed ${seed}, step ${t}: ${field}`;
            expect([...b.latest[field]!], `${context} (batched vs per-instance)`).toEqual([...a.latest[field]!]);
            expect([...onGpuA[field]!], `${context} on the GPU (per-instance)`).toEqual([...a.latest[field]!]);
            expect([...onGpuB[field]!], `${context} on the GPU (batched)`).toEqual([...b.latest[field]!]);
          }
          checkWalkerSemantics(b.latest, limit, `seed ${seed}, step ${t}`);
          tally(b.latest, limit, seen);
        }
      });
      // The costs a benchmark reads: every step counted, through the batch the game saw as well.
      expect(b.timings.steps).toBe(300);
      expect(hostEnvTimings(batchSeen!)).toBe(b.timings);
      for (const ms of [b.timings.jsStepMs, b.timings.validateMs, b.timings.uploadMs, b.timings.readbackWaitMs]) expect(ms).toBeGreaterThan(0);
      // The run must have exercised every way an episode ends, and masks that mask something.
      expect(seen.terminated, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.gameTruncated, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.limitTruncated, `seed ${seed}`).toBeGreaterThan(0);
      expect(seen.maskedCells, `seed ${seed}`).toBeGreaterThan(0);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  /** What the engine owes whatever the game: masks of the current cell, metrics only where an episode ended. */
  function checkWalkerSemantics(s: Readonly<HostVectorEnvSnapshot>, limit: number, context: string): void {
    for (let i = 0; i < s.rewards.length; i += 1) {
      const cell = Math.round(s.observations[2 * i]! * EDGE);
      expect([...s.masks!.subarray(3 * i, 3 * i + 3)], `${context}: mask of instance ${i} (cell ${cell})`).toEqual([0, 1, 2].map((a) => (legal(cell, a) ? 1 : 0)));
      const ended = s.terminated[i] === 1 || s.truncated[i] === 1;
      const finalCell = Math.round(s.finalObservations[2 * i]! * EDGE);
      const metrics = [...s.episodeMetrics!.subarray(2 * i, 2 * i + 2)];
      expect(metrics, `${context}: metrics of instance ${i}`).toEqual(ended ? [s.finalObservations[2 * i + 1]!, finalCell] : [0, 0]);
      expect(s.truncated[i], `${context}: truncated of instance ${i}`).toBe(finalCell === EDGE || s.episodeLengths[i] === limit ? 1 : 0);
    }
  }

  function tally(s: Readonly<HostVectorEnvSnapshot>, limit: number, seen: Record<string, number>): void {
    for (let i = 0; i < s.rewards.length; i += 1) {
      seen.terminated! += s.terminated[i]!;
      if (s.truncated[i] === 1 && s.episodeLengths[i]! < limit) seen.gameTruncated! += 1;
      if (s.truncated[i] === 1 && s.episodeLengths[i] === limit) seen.limitTruncated! += 1;
    }
    seen.maskedCells! += s.masks!.filter((m) => m === 0).length;
  }

  /** A batched game that writes `poison.value` into `poison.field` of `poison.instance` in `poison.call`. */
  function poisoned(poison: { call: 'stepBatch' | 'resetBatch'; field: string; instance: number; value: number } | null): BatchedHostEnv & { poison: typeof poison } {
    const game = {
      poison,
      name: 'glitchy',
      observationSize: 2,
      actionSpace: { kind: 'discrete', n: 3 } as const,
      maxEpisodeSteps: 4,
      actionMasks: true,
      episodeMetrics: ['score'],
      resetBatch(batch: Parameters<BatchedHostEnv['resetBatch']>[0], instances: Uint32Array) {
        for (const i of instances) {
          batch.observations.fill(0, 2 * i, 2 * i + 2);
          batch.masks.fill(1, 3 * i, 3 * i + 3);
        }
        apply(batch, 'resetBatch');
      },
      stepBatch(batch: Parameters<BatchedHostEnv['stepBatch']>[0]) {
        batch.observations.fill(0.5);
        batch.rewards.fill(1);
        batch.masks.fill(1);
        apply(batch, 'stepBatch');
      },
    };
    const apply = (batch: Parameters<BatchedHostEnv['stepBatch']>[0], call: string) => {
      const p = game.poison;
      if (!p || p.call !== call) return;
      const array = batch[p.field as 'rewards'];
      const width = array.length / batch.numEnvs;
      if (p.value < 0 && p.field === 'masks') array.fill(0, width * p.instance, width * (p.instance + 1));
      else array[width * p.instance + (width > 1 ? 1 : 0)] = p.value;
    };
    return game;
  }

  it('refuses bad values from the game naming the env, the instance, the field and the value; a throwing step needs reset()', async () => {
    const { device } = gpu();
    const game = poisoned(null);
    const envs = await createHostVectorEnv(device, game, { numEnvs: 5, seed: 1 });
    const step = async (envs: HostVectorEnv) => {
      envs.writeActions(new Uint32Array(5));
      await envs.step();
    };
    try {
      envs.reset();
      await step(envs);
      const cases: [NonNullable<typeof game.poison>, string][] = [
        [{ call: 'stepBatch', field: 'rewards', instance: 3, value: Number.NaN }, "host env 'glitchy': instance 3 wrote rewards[3] = NaN in stepBatch (rewards must be finite"],
        [{ call: 'stepBatch', field: 'observations', instance: 2, value: Number.POSITIVE_INFINITY }, "host env 'glitchy': instance 2 wrote observations[2][1] = Infinity in stepBatch"],
        [{ call: 'stepBatch', field: 'masks', instance: 4, value: 7 }, "host env 'glitchy': instance 4 wrote masks[4][1] = 7 in stepBatch (masks must be 0 or 1)"],
        [{ call: 'stepBatch', field: 'masks', instance: 1, value: -1 }, "host env 'glitchy': instance 1 wrote masks[1] = [0, 0, 0] in stepBatch (a mask row must allow at least one action)"],
        [{ call: 'stepBatch', field: 'terminated', instance: 0, value: 2 }, "host env 'glitchy': instance 0 wrote terminated[0] = 2 in stepBatch (terminated must be 0 or 1)"],
      ];
      for (const [poison, message] of cases) {
        game.poison = poison;
        await expect(step(envs), message).rejects.toThrow(message);
        game.poison = null;
        await expect(step(envs)).rejects.toThrow("host env 'glitchy': call reset() before step() (and again after a step threw)");
        envs.reset();
        await step(envs);
      }
      // At the step limit (4) every instance restarts: resetBatch's rows are checked too, and the metrics of ended episodes.
      game.poison = { call: 'resetBatch', field: 'observations', instance: 2, value: Number.NaN };
      expect(() => envs.reset()).toThrow("host env 'glitchy': instance 2 wrote observations[2][1] = NaN in resetBatch");
      game.poison = null;
      envs.reset();
      for (let t = 0; t < 3; t += 1) await step(envs);
      game.poison = { call: 'resetBatch', field: 'masks', instance: 0, value: -1 };
      await expect(step(envs)).rejects.toThrow("host env 'glitchy': instance 0 wrote masks[0] = [0, 0, 0] in resetBatch (a mask row must allow at least one action)");
      game.poison = { call: 'stepBatch', field: 'episodeMetrics', instance: 3, value: Number.NEGATIVE_INFINITY };
      envs.reset();
      for (let t = 0; t < 3; t += 1) await step(envs);
      await expect(step(envs)).rejects.toThrow("host env 'glitchy': instance 3 wrote episodeMetrics[3][0] = -Infinity in stepBatch");
      // A discrete action out of range is refused before the game is called.
      game.poison = null;
      envs.reset();
      envs.writeActions(Uint32Array.of(0, 0, 3, 0, 0));
      await expect(envs.step()).rejects.toThrow("host env 'glitchy': action of env 2 is 3, outside the 3 discrete actions (valid: 0 … 2)");
    } finally {
      envs.destroy();
    }
  });

  it('refuses a wrong-length observation or a bad reward from a per-instance game, and inconsistent declarations', async () => {
    const { device } = gpu();
    let observation: number[] = [0, 0];
    let reward = 0;
    const game: HostEnv = {
      name: 'short',
      observationSize: 2,
      actionSpace: { kind: 'discrete', n: 2 },
      maxEpisodeSteps: 10,
      reset: () => [0, 0],
      step: () => ({ observation, reward, terminated: false }),
    };
    const envs = await createHostVectorEnv(device, game, { numEnvs: 3, seed: 1 });
    try {
      envs.reset();
      observation = [1];
      await expect(envs.step()).rejects.toThrow("host env 'short': env 0 returned an observation of length 1 from step() (expected 2)");
      observation = [1, 1];
      reward = 1e39;
      envs.reset();
      await expect(envs.step()).rejects.toThrow("host env 'short': env 0 returned reward 1e+39 from step()");
    } finally {
      envs.destroy();
    }
    await expect(createHostVectorEnv(device, { ...game, episodeMetrics: ['score'] }, { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'short': episodeMetrics (the names) and metrics(env, out) (a function) are given together or not at all",
    );
    const box = { ...batchedWalker(5), actionSpace: { kind: 'box', size: 1, low: [-1], high: [1] } } as BatchedHostEnv;
    await expect(createHostVectorEnv(device, box, { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'walker': actionMasks needs a discrete, multi-discrete or hybrid action space (a box has no actions to mask)",
    );
  });

  it("hands its batch to the game's releaseBatch once, when destroyed; refuses a releaseBatch that is no function", async () => {
    const { device } = gpu();
    const game = batchedWalker(8);
    const seen: HostEnvBatch[] = [];
    const released: HostEnvBatch[] = [];
    const watched: BatchedHostEnv = {
      ...game,
      resetBatch(batch, instances) {
        seen.push(batch);
        game.resetBatch(batch, instances);
      },
      releaseBatch: (batch) => released.push(batch),
    };
    const envs = await createHostVectorEnv(device, watched, { numEnvs: 4, seed: 1 });
    envs.reset();
    envs.writeActions(new Uint32Array(4).fill(1));
    await gpuStep(gpu(), 'walker step', () => envs.step());
    expect(released).toEqual([]);
    envs.destroy();
    envs.destroy();
    expect(released.length).toBe(1);
    expect(released[0]).toBe(seen[0]);
    await expect(createHostVectorEnv(device, { ...game, releaseBatch: 'later' } as unknown as BatchedHostEnv, { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'walker': releaseBatch must be a function of the batch, or left out (got string)",
    );
  });

  it('the JavaScript CartPole replays the WGSL CartPole-v1 from the same seed (64 envs × 150 steps, limit 40, 1e-5)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 64;
    const limit = 40;
    const wgsl = await createVectorEnv(device, 'CartPole-v1', { numEnvs, seed, maxEpisodeSteps: limit });
    const host = await createHostVectorEnv(device, cartPoleHost(), { numEnvs, seed, maxEpisodeSteps: limit });
    // Envs that came within 1e-5 (relative) of a threshold may end a step apart in f32 and f64: left out from then on.
    const excluded = new Set<number>();
    let worst = 0;
    const endings = { terminated: 0, truncated: 0 };
    try {
      await gpuStep(gpu(), 'cartpole replay', async () => {
        const encoder = device.createCommandEncoder({ label: 'test.cartpole.reset' });
        wgsl.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        host.reset();
        for (let t = 0; t < 150; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1));
          wgsl.writeActions(actions);
          host.writeActions(actions);
          const stepEncoder = device.createCommandEncoder({ label: 'test.cartpole.step' });
          wgsl.encodeStep(stepEncoder);
          device.queue.submit([stepEncoder.finish()]);
          await host.step();
          const g = await wgsl.read();
          const h = host.latest;
          for (let n = 0; n < numEnvs; n += 1) {
            if (excluded.has(n)) continue;
            const final = g.finalObservations.subarray(4 * n, 4 * n + 4);
            if (Math.abs(Math.abs(final[0]!) - 2.4) < 1e-5 * 2.4 || Math.abs(Math.abs(final[2]!) - (12 * Math.PI) / 180) < 1e-5) {
              excluded.add(n);
              continue;
            }
            const context = `seed ${seed}, step ${t}, env ${n}`;
            for (const field of ['terminated', 'truncated', 'episodeLengths', 'stepCounts', 'episodeIndices', 'rewards', 'episodeReturns'] as const) {
              expect(h[field][n], `${context}: ${field}`).toBe(g[field][n]);
            }
            for (const field of ['observations', 'finalObservations'] as const) {
              for (let i = 0; i < 4; i += 1) {
                const [a, b] = [h[field][4 * n + i]!, g[field][4 * n + i]!];
                worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
                expect(Math.abs(a - b), `${context}: ${field}[${i}] host ${a} vs WGSL ${b}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
              }
            }
            endings.terminated += g.terminated[n]!;
            endings.truncated += g.truncated[n]!;
          }
        }
      });
      console.log(`[cartpole replay] seed ${seed}: largest difference ${worst.toExponential(2)}; ${excluded.size} envs left out near a threshold; endings ${JSON.stringify(endings)}`);
      expect(excluded.size, `seed ${seed}`).toBeLessThan(8);
      expect(endings.terminated, `seed ${seed}`).toBeGreaterThan(0);
      expect(endings.truncated, `seed ${seed}`).toBeGreaterThan(0);
    } finally {
      wgsl.destroy();
      host.destroy();
    }
  });

  it('an Agent trains PPO on a batched game end to end', async () => {
    const game = cartPoleHost('cartpole-batched');
    const agent = await Agent.create({
      env: game,
      device: gpu().device,
      algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [16], totalTimesteps: 4 * 128, seed: 3 },
    });
    try {
      const history: IterationStats[] = [];
      for await (const stats of agent.train()) history.push(stats);
      expect(history.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
      expect(history.at(-1)!.globalStep).toBe(4 * 128);
      // CartPole pays 1 a step: finished episodes are at least a few steps long.
      expect(history.at(-1)!.returnMean100).toBeGreaterThanOrEqual(5);
      const { actions } = await agent.act([0, 0, 0.05, 0, 0, 0, -0.05, 0]);
      expect(actions.every((a) => a === 0 || a === 1)).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
