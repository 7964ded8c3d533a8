/**
 * Self-play in an actor-critic trainer (options: ./self-play-config.ts): the env's opponent pool
 * played by the actor, and the trainer's hooks: the first snapshot (the initial policy) before the
 * first reset, then one every `snapshotEvery` iterations at the start of an iteration, after the
 * learner's results against the pool so far have been read (the only extra readback, once per
 * snapshot); those results ride on the next IterationStats for a rating (Elo: webgpu-rl/games).
 * Only the learner's transitions are recorded: the seat's moves happen inside the env step, so the
 * update never sees them, and the pool's parameters are copies the optimiser never touches.
 */
import type { OpponentPool } from '../envs/opponent-pool';
import type { OpponentPoolOptions } from '../envs/types';
import type { MlpSpec } from '../nn/mlp-spec';
import type { SelfPlayRound, SelfPlaySettings } from './self-play-config';

/** The env's opponent pool for these settings, played by the actor `policy`. */
export function opponentPoolOptions(settings: SelfPlaySettings, policy: MlpSpec): OpponentPoolOptions {
  return { policy, window: settings.window, latestRatio: settings.playAgainstLatestRatio, probability: settings.poolShare };
}

/** The trainer's self-play hooks over its env's pool and the actor's parameters. */
export interface SelfPlayHooks {
  /** Records the first snapshot: the initial policy (before the envs' first reset). */
  encodeFirstSnapshot(encoder: GPUCommandEncoder): void;
  /** Before iteration i is recorded: on a snapshot iteration, reads the round's results (waits for the GPU). */
  beforeIteration(iteration: number): Promise<void>;
  /** At the start of iteration i's encoder: the snapshot, on a snapshot iteration. */
  encode(encoder: GPUCommandEncoder, iteration: number): void;
  /** The oldest round read and not yet taken, if any (for the stats handed back next). */
  takeRound(): SelfPlayRound | undefined;
  /** After a checkpoint restore at iteration `next`: the pool's count of snapshots taken by then. */
  seek(next: number): void;
}

/** Whether iteration i starts with a snapshot (the first is taken before iteration 0). */
const snapshotDue = (settings: SelfPlaySettings, i: number) => i > 0 && i % settings.snapshotEvery === 0;

/** The hooks for a trainer whose actor's parameters (agent 0) are in `actorParameters`. */
export function createSelfPlayHooks(settings: SelfPlaySettings, pool: OpponentPool, actorParameters: GPUBuffer): SelfPlayHooks {
  // Rounds read and not yet handed out (one, unless stats came back empty in between).
  const rounds: SelfPlayRound[] = [];
  return {
    encodeFirstSnapshot: (encoder) => pool.encodeSnapshot(encoder, actorParameters),
    async beforeIteration(i) {
      if (!snapshotDue(settings, i)) return;
      const results = await pool.takeResults();
      rounds.push({ snapshots: pool.snapshots, results });
    },
    encode(encoder, i) {
      if (snapshotDue(settings, i)) pool.encodeSnapshot(encoder, actorParameters);
    },
    takeRound: () => rounds.shift(),
    seek(next) {
      // The first snapshot, then one at each due iteration before `next`.
      pool.seek(1 + (next === 0 ? 0 : Math.floor((next - 1) / settings.snapshotEvery)));
    },
  };
}
