/**
 * Self-play in an actor-critic trainer: the learner against a pool of its own frozen snapshots,
 * which play the env's policy seat (EnvDescriptor.policySeat) on the GPU (src/envs/opponent-pool.ts).
 * The options follow ML-Agents' self-play settings: a window of snapshots, a snapshot every
 * `saveSteps` learner steps, and a play-against-latest ratio; an opponent is drawn per episode (the
 * finest swap interval). Only the learner's transitions are recorded: the seat's moves happen inside
 * the env step, so the update never sees them, and the pool's parameters are copies the optimiser
 * never touches.
 *
 * Here: the config's schema and resolution, and the trainer's hooks: the first snapshot (the initial
 * policy) before the first reset, then one every `snapshotEvery` iterations at the start of an
 * iteration, after the learner's results against the pool so far have been read (the only extra
 * readback, once per snapshot); those results ride on the next IterationStats for a rating (Elo:
 * webgpu-rl/games).
 */
import { nullable, optional, strictObject, type InferInput } from 'valibot';
import type { OpponentPool, PoolMemberResults } from '../envs/opponent-pool';
import type { EnvDescriptor, OpponentPoolOptions } from '../envs/types';
import type { MlpSpec } from '../nn/mlp-spec';
import { failConfig, positiveInteger, unitInterval } from './config';

/** The self-play options of a trainer config (`selfPlay: {}` takes every default). */
export const SELF_PLAY_SCHEMA = nullable(
  strictObject(
    {
      /** Snapshots kept in the pool (a ring: the oldest is overwritten); ML-Agents' window. */
      window: optional(positiveInteger(256)), // 10
      /** Learner env steps between snapshots, rounded to whole iterations (at least one); ML-Agents' save_steps. */
      saveSteps: optional(positiveInteger()), // 20 000
      /** The probability that an episode plays the newest snapshot rather than one drawn uniformly from the pool. */
      playAgainstLatestRatio: optional(unitInterval()), // 0.5
      /** The share of episodes played against the pool; the rest against the env's own (scripted) opponent. */
      poolShare: optional(unitInterval()), // 1
    },
    'an object of self-play options, or null',
  ),
);

/** Self-play's options as a config gives them (every field optional). */
export type SelfPlayOptions = NonNullable<InferInput<typeof SELF_PLAY_SCHEMA>>;

/** Self-play defaults (ML-Agents' window, save_steps and play_against_latest_model_ratio). */
export const SELF_PLAY_DEFAULTS = Object.freeze({ window: 10, saveSteps: 20_000, playAgainstLatestRatio: 0.5, poolShare: 1 });

/** Resolved self-play: the options, and the iterations between snapshots they imply. */
export interface SelfPlaySettings {
  readonly window: number;
  readonly saveSteps: number;
  readonly playAgainstLatestRatio: number;
  readonly poolShare: number;
  /** max(1, round(saveSteps / batch size)). */
  readonly snapshotEvery: number;
}

/** The config fields self-play depends on. */
interface SelfPlayContext {
  readonly envDescriptor: EnvDescriptor;
  readonly batchSize: number;
  readonly agents: number;
  readonly normObs: boolean;
  readonly sharedTrunk: boolean;
}

/**
 * Fills the defaults and checks what self-play needs of the rest of the config `name`: an env with
 * a policy seat, one agent, no observation normalisation (the seat sees raw observations), separate
 * actor and critic (the pool holds the actor alone).
 */
export function resolveSelfPlay(name: string, selfPlay: SelfPlayOptions | null | undefined, c: SelfPlayContext): SelfPlaySettings | null {
  if (selfPlay === null || selfPlay === undefined) return null;
  const fail = (field: string, value: unknown, valid: string) => failConfig(name, field, value, valid);
  if (!c.envDescriptor.policySeat) fail('env', c.envDescriptor.id, 'an env with a policy seat for selfPlay (a two-player game such as ConnectFour-v0)');
  if (c.agents !== 1) fail('agents', c.agents, '1 with selfPlay (the pool holds one learner\'s snapshots)');
  if (c.normObs) fail('normObs', c.normObs, 'false with selfPlay (the pool\'s policies see raw observations)');
  if (c.sharedTrunk) fail('sharedTrunk', c.sharedTrunk, 'false with selfPlay (the pool holds the actor network alone)');
  const settings = { ...SELF_PLAY_DEFAULTS, ...selfPlay };
  return Object.freeze({ ...settings, snapshotEvery: Math.max(1, Math.round(settings.saveSteps / c.batchSize)) });
}

/** The env's opponent pool for these settings, played by the actor `policy`. */
export function opponentPoolOptions(settings: SelfPlaySettings, policy: MlpSpec): OpponentPoolOptions {
  return { policy, window: settings.window, latestRatio: settings.playAgainstLatestRatio, probability: settings.poolShare };
}

/** The learner's results against the pool between two snapshots (IterationStats.selfPlay). */
export interface SelfPlayRound {
  /** Snapshots taken before this round's results were read (the newest is snapshot snapshots − 1). */
  readonly snapshots: number;
  /** Results per member of the pool, with the snapshot each held. */
  readonly results: readonly PoolMemberResults[];
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
