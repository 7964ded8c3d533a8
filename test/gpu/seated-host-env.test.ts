/**
 * Games with seats (src/envs/seated-host-env.ts) on a real device: the rows of a K-seat game in a
 * permuted seat order, stepped through the host vector env, against the semantics written out
 * again here: each seat's reward and observation in its own row, a seat that leaves played out with
 * zeros and reward 0 whatever the game keeps writing for it, the match (all its seats' episodes)
 * ending when every seat has left (terminated) or at the step limit (the seats still in truncated,
 * their last observation kept for the bootstrap), each seat's return, and matches restarting whole.
 */
import { describe, expect, it } from 'vitest';
import { createHostVectorEnv, type HostVectorEnvSnapshot } from '../../src/envs/host-env';
import { seatedBatchedEnv } from '../../src/envs/seat-rows';
import type { SeatBatch } from '../../src/envs/seated-host-env';
import { exitsGame, type SeatExits } from '../support/seat-games';
import { gpuStep, useGpu } from '../support/gpu';
import { zeroHostSnapshot } from '../support/vector-env';
import { freshSeed, seededRandom } from '../support/random';

const M = 5;
const K = 3;
const LIMIT = 5;
/** Seat 2's rows first, then seat 0's, then seat 1's. */
const ORDER = [2, 0, 1];

/** The expected rows after each step, from the rules above and the game's logged draws. */
class ExpectedMatches {
  private readonly t = new Array<number>(M).fill(0);
  private readonly out: boolean[][] = Array.from({ length: M }, () => new Array<boolean>(K).fill(false));
  private readonly returns: number[][] = Array.from({ length: M }, () => new Array<number>(K).fill(0));
  private readonly exitAt: number[][];
  private next = M;

  constructor(private readonly resets: readonly SeatExits[]) {
    // The first reset starts every match, in instance order.
    expect(resets.slice(0, M).map((r) => r.instance)).toEqual([0, 1, 2, 3, 4]);
    this.exitAt = resets.slice(0, M).map((r) => [...r.exitAt]);
  }

  static row = (i: number, s: number) => ORDER.indexOf(s) * M + i;

  step(actions: Uint32Array): HostVectorEnvSnapshot {
    const n = M * K;
    const e = zeroHostSnapshot(n, 4);
    for (let i = 0; i < M; i += 1) {
      const t = (this.t[i]! += 1);
      for (let s = 0; s < K; s += 1) {
        const r = ExpectedMatches.row(i, s);
        const wasOut = this.out[i]![s]!;
        const reward = wasOut ? 0 : actions[r]! + 10 * s + 100 * t;
        e.rewards[r] = reward;
        this.returns[i]![s]! += reward;
        if (!wasOut && t === this.exitAt[i]![s]) this.out[i]![s] = true;
        if (!this.out[i]![s]) e.finalObservations.set([i, s, t, 1], 4 * r);
      }
      const ended = this.out[i]!.every(Boolean) || t >= LIMIT;
      for (let s = 0; s < K; s += 1) {
        const r = ExpectedMatches.row(i, s);
        e.terminated[r] = Number(ended && this.out[i]![s]!);
        // The step limit truncates every row it reaches, a terminated one too (Gymnasium's TimeLimit: both flags).
        e.truncated[r] = Number((ended && !this.out[i]![s]!) || t >= LIMIT);
        e.episodeReturns[r] = ended ? this.returns[i]![s]! : 0;
        e.episodeLengths[r] = ended ? t : 0;
        e.observations.set(e.finalObservations.subarray(4 * r, 4 * r + 4), 4 * r);
      }
      if (ended) this.restart(i, e);
    }
    return e;
  }

  /** The match's next start, from the game's log: every seat back in, its reset observation. */
  private restart(i: number, e: HostVectorEnvSnapshot): void {
    const reset = this.resets[this.next++]!;
    expect(reset.instance).toBe(i);
    this.exitAt[i] = [...reset.exitAt];
    this.t[i] = 0;
    this.out[i]!.fill(false);
    this.returns[i]!.fill(0);
    for (let s = 0; s < K; s += 1) e.observations.set([i, s, 0, 1], 4 * ExpectedMatches.row(i, s));
  }
}

describe('games with seats', () => {
  const gpu = useGpu();

  it(`steps ${M} matches of ${K} seats in seat order [${ORDER.join(', ')}] as the seat semantics say (40 steps, limit ${LIMIT})`, async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const draw = seededRandom(seed);
    const { game, resets } = exitsGame(K, LIMIT);
    const env = await createHostVectorEnv(device, seatedBatchedEnv(game, ORDER), { numEnvs: M * K, seed });
    try {
      env.reset();
      const expected = new ExpectedMatches(resets);
      const first = await gpuStep(gpu(), 'read after reset', () => env.read());
      for (let i = 0; i < M; i += 1) for (let s = 0; s < K; s += 1) expect([...first.observations.subarray(4 * ExpectedMatches.row(i, s), 4 * ExpectedMatches.row(i, s) + 4)]).toEqual([i, s, 0, 1]);
      let allLeft = 0;
      let cut = 0;
      for (let step = 0; step < 40; step += 1) {
        const actions = Uint32Array.from({ length: M * K }, () => Math.floor(draw() * 3));
        env.writeActions(actions);
        await gpuStep(gpu(), `step ${step}`, () => env.step());
        // After the step: a restarted match's draws are in the game's log by now.
        const want = expected.step(actions);
        const got = await env.read();
        for (const field of ['rewards', 'terminated', 'truncated', 'observations', 'finalObservations', 'episodeReturns', 'episodeLengths'] as const) {
          expect([...got[field]], `seed ${seed}, step ${step}, ${field}`).toEqual([...want[field]]);
        }
        for (let i = 0; i < M; i += 1) {
          const seats = [0, 1, 2].map((s) => ExpectedMatches.row(i, s));
          if (seats.every((r) => want.terminated[r] === 1)) allLeft += 1;
          else if (seats.some((r) => want.truncated[r] === 1) && seats.some((r) => want.terminated[r] === 1)) cut += 1;
        }
      }
      console.log(`[seated] seed ${seed}: ${resets.length - M} restarts; ${allLeft} matches every seat left, ${cut} cut at the limit with a seat already out`);
      // Both ends were exercised (with 7 exit steps over a limit of 5, each is likely every few steps).
      expect(allLeft).toBeGreaterThan(0);
      expect(cut).toBeGreaterThan(0);
    } finally {
      env.destroy();
    }
  });

  it('names the instance, seat and value of a flag that is neither 0 nor 1', async () => {
    const { device } = gpu();
    const { game } = exitsGame(K, LIMIT);
    const careless = { ...game, stepBatch: (batch: SeatBatch) => (game.stepBatch(batch), (batch.terminated[batch.row(3, 1)] = 2)) };
    const env = await createHostVectorEnv(device, seatedBatchedEnv(careless, ORDER), { numEnvs: M * K, seed: 1 });
    try {
      env.reset();
      env.writeActions(new Uint32Array(M * K));
      await expect(env.step()).rejects.toThrow(/host env 'exits': instance 3, seat 1 wrote terminated\[13\] = 2 in stepBatch \(flags must be 0 or 1\)/);
    } finally {
      env.destroy();
    }
  });

  it('refuses a row count that is not whole matches, and an order that is not a permutation of the seats', async () => {
    const { device } = gpu();
    const { game } = exitsGame(K, LIMIT);
    const env = await createHostVectorEnv(device, seatedBatchedEnv(game), { numEnvs: 7, seed: 1 });
    try {
      expect(() => env.reset()).toThrow(/numEnvs counts seats, so it must be a multiple of seats = 3 \(got 7\)/);
    } finally {
      env.destroy();
    }
    expect(() => seatedBatchedEnv(game, [0, 0, 1])).toThrow(/the seat order must list each seat 0 … 2 once \(got \[0, 0, 1\]\)/);
  });
});
