/**
 * Self-play's options in a trainer config: the learner against a pool of its own frozen snapshots,
 * which play the env's policy seat (EnvDescriptor.policySeat) on the GPU (src/envs/opponent-pool.ts).
 * The options follow ML-Agents' self-play settings: a window of snapshots, a snapshot every
 * `saveSteps` learner steps, and a play-against-latest ratio; an opponent is drawn per episode (the
 * finest swap interval). Here: the schema, the defaults, the checks against the rest of the config,
 * and the round of results a trainer reports (IterationStats.selfPlay). The trainer's side is
 * ./self-play.ts, loaded with the first self-play run.
 */
import { nullable, optional, strictObject, type GenericSchema } from 'valibot';
import type { PoolMemberResults } from '../envs/opponent-pool';
import type { EnvDescriptor } from '../envs/types';
import { failConfig, positiveInteger, unitInterval } from './config';

/** Self-play's options as a trainer config gives them (`selfPlay: {}` takes every default). */
export interface SelfPlayOptions {
  /** Snapshots kept in the pool (a ring: the oldest is overwritten), 1 … 256; ML-Agents' window. Default 10. */
  readonly window?: number;
  /** Learner env steps between snapshots, rounded to whole iterations (at least one); ML-Agents' save_steps. Default 20 000. */
  readonly saveSteps?: number;
  /** The probability that an episode plays the newest snapshot rather than one drawn uniformly from the pool. Default 0.5. */
  readonly playAgainstLatestRatio?: number;
  /** The share of episodes played against the pool; the rest against the env's own (scripted) opponent. Default 1. */
  readonly poolShare?: number;
}

/** The schema of SelfPlayOptions, or null (no self-play). */
export const SELF_PLAY_SCHEMA: GenericSchema<SelfPlayOptions | null> = nullable(
  strictObject(
    {
      window: optional(positiveInteger(256)),
      saveSteps: optional(positiveInteger()),
      playAgainstLatestRatio: optional(unitInterval()),
      poolShare: optional(unitInterval()),
    },
    'an object of self-play options, or null',
  ),
);

/** Self-play defaults (ML-Agents' window, save_steps and play_against_latest_model_ratio). */
export const SELF_PLAY_DEFAULTS = Object.freeze({ window: 10, saveSteps: 20_000, playAgainstLatestRatio: 0.5, poolShare: 1 });

/** Resolved self-play: the options, defaults filled in, and the iterations between snapshots they imply. */
export interface SelfPlaySettings extends Required<SelfPlayOptions> {
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
  if (!c.envDescriptor.policySeat) fail('env', c.envDescriptor.id, 'an env with a policy seat for selfPlay (a two-player game such as ConnectFour-v0 or Pong-v0)');
  if (c.agents !== 1) fail('agents', c.agents, '1 with selfPlay (the pool holds one learner\'s snapshots)');
  if (c.normObs) fail('normObs', c.normObs, 'false with selfPlay (the pool\'s policies see raw observations)');
  if (c.sharedTrunk) fail('sharedTrunk', c.sharedTrunk, 'false with selfPlay (the pool holds the actor network alone)');
  const settings = { ...SELF_PLAY_DEFAULTS, ...selfPlay };
  return Object.freeze({ ...settings, snapshotEvery: Math.max(1, Math.round(settings.saveSteps / c.batchSize)) });
}

/** The learner's results against the pool between two snapshots (IterationStats.selfPlay). */
export interface SelfPlayRound {
  /** Snapshots taken before this round's results were read (the newest is snapshot snapshots − 1). */
  readonly snapshots: number;
  /** Results per member of the pool, with the snapshot each held. */
  readonly results: readonly PoolMemberResults[];
}
