/** Small games with seats (SeatedHostEnv) for the tests of multi-agent envs and seat mappings. */
import type { SeatBatch, SeatedHostEnv } from '../../src/envs/seated-host-env';

/** One match's start as the game drew it: the step at which each seat leaves. */
export interface SeatExits {
  readonly instance: number;
  readonly exitAt: readonly number[];
}

/**
 * "Exits": K seats, 3 actions. Each seat leaves the match at a step drawn at reset (1 … 7, which
 * may lie past the step limit); its reward at step t is action + 10·seat + 100·t and its
 * observation [instance, seat, t, 1]. The game keeps writing a seat's row after it left (reward
 * 999, terminated 1), as a careless game would: the engine must drop those. Every reset is logged.
 */
export function exitsGame(seats: number, maxEpisodeSteps: number): { game: SeatedHostEnv; resets: SeatExits[] } {
  const resets: SeatExits[] = [];
  let t = new Uint32Array(0);
  const exitAt: number[][] = [];
  const write = (batch: SeatBatch, i: number, s: number) => batch.observations.set([i, s, t[i]!, 1], 4 * batch.row(i, s));
  const game: SeatedHostEnv = {
    name: 'exits',
    seats,
    observationSize: 4,
    actionSpace: { kind: 'discrete', n: 3 },
    maxEpisodeSteps,
    resetBatch(batch, instances) {
      if (t.length !== batch.numInstances) t = new Uint32Array(batch.numInstances);
      for (const i of instances) {
        t[i] = 0;
        exitAt[i] = Array.from({ length: seats }, () => 1 + Math.floor(batch.random(i) * 7));
        resets.push({ instance: i, exitAt: [...exitAt[i]!] });
        for (let s = 0; s < seats; s += 1) write(batch, i, s);
      }
    },
    stepBatch(batch) {
      for (let i = 0; i < batch.numInstances; i += 1) {
        t[i]! += 1;
        for (let s = 0; s < seats; s += 1) {
          const r = batch.row(i, s);
          const gone = t[i]! > exitAt[i]![s]!;
          batch.rewards[r] = gone ? 999 : batch.actions[r]! + 10 * s + 100 * t[i]!;
          batch.terminated[r] = t[i]! >= exitAt[i]![s]! ? 1 : 0;
          write(batch, i, s);
        }
      }
    },
  };
  return { game, resets };
}

/**
 * "Sides": two seats that see the same constant observation; seat s earns 1 a step for playing
 * action s, 0 for the other. One policy for both seats earns 0.5 a seat-step at best on average;
 * a policy per seat earns 1. Matches last `length` steps (truncated).
 */
export function sidesGame(length: number): SeatedHostEnv {
  return {
    name: 'sides',
    seats: 2,
    observationSize: 1,
    actionSpace: { kind: 'discrete', n: 2 },
    maxEpisodeSteps: length,
    resetBatch(batch, instances) {
      for (const i of instances) for (let s = 0; s < 2; s += 1) batch.observations[batch.row(i, s)] = 1;
    },
    stepBatch(batch) {
      for (let i = 0; i < batch.numInstances; i += 1) {
        for (let s = 0; s < 2; s += 1) {
          const r = batch.row(i, s);
          batch.rewards[r] = batch.actions[r] === s ? 1 : 0;
          batch.observations[r] = 1;
        }
      }
    },
  };
}
