/**
 * Which policy plays which seat of a game with seats (a SeatedHostEnv, src/envs/seated-host-env.ts):
 * a trainer config's `seatPolicies`, one policy index per seat. All seats one policy (the default)
 * is a shared policy; seats grouped under several indices are team policies, each a member of the
 * trainer's population (`agents` = the number of policies), trained on its own seats' rows only.
 * A population's members own equal blocks of rows, so every policy must play as many seats.
 */
import { array, type GenericSchema } from 'valibot';
import { isHostEnvDescriptor } from '../envs/host-env';
import type { EnvDescriptor } from '../envs/types';
import { failConfig, integerIn } from './config';
import { isSeatedHostEnv, MAX_SEATS } from '../envs/seated-host-env';

/** The schema of `seatPolicies`: policy indices (each checked against the env's seats when resolved). */
export const SEAT_POLICIES_SCHEMA: GenericSchema<readonly number[]> = array(integerIn(0, MAX_SEATS - 1), 'an array of policy indices, one per seat');

/** A seat mapping resolved against its env and config. */
export interface SeatPolicies {
  /** policies[seat]: the index of the policy (population member) that plays the seat. */
  readonly policies: readonly number[];
  /** The seats by policy, each policy's in seat order: the rows' block order (SeatOrder). */
  readonly order: readonly number[];
  /** Policies G: the population's size. */
  readonly agents: number;
}

/** The config fields a seat mapping depends on. */
interface SeatContext {
  readonly envDescriptor: EnvDescriptor;
  /** `agents` as the config gave it (undefined: the mapping decides). */
  readonly agents: number | undefined;
  /** Rows per policy. */
  readonly numEnvs: number;
}

/**
 * The seat mapping of trainer `name`'s config: null for an env without seats (where giving one is
 * an error), else `given` (default: every seat policy 0) checked: one index per seat, indices 0 …
 * G − 1 each playing the same number of seats, `agents` (when given) equal to G, and `numEnvs` a
 * whole number of matches per policy.
 */
export function resolveSeatPolicies(name: string, given: readonly number[] | undefined, context: SeatContext): SeatPolicies | null {
  const { envDescriptor: env, numEnvs } = context;
  const fail = (field: string, value: unknown, valid: string) => failConfig(name, field, value, valid);
  const host = isHostEnvDescriptor(env) ? env.host : undefined;
  if (!isSeatedHostEnv(host)) {
    if (given !== undefined) fail('seatPolicies', given, `left out: env '${env.id}' has no seats`);
    return null;
  }
  const K = host.seats;
  const policies = given ?? new Array<number>(K).fill(0);
  if (policies.length !== K) fail('seatPolicies', policies, `${K} policy indices, one per seat`);
  const G = Math.max(...policies) + 1;
  // Each policy's seats, in seat order: the rows' blocks.
  const seatsOf = Array.from({ length: G }, (_, g) => policies.flatMap((p, seat) => (p === g ? [seat] : [])));
  const counts = seatsOf.map((seats) => seats.length);
  if (counts.some((n) => n !== K / G)) fail('seatPolicies', policies, `indices 0 … ${G - 1} each playing as many seats (a population's members own equal rows); seats per policy [${counts.join(', ')}]`);
  if (context.agents !== undefined && context.agents !== G) fail('agents', context.agents, `${G}, the policies in seatPolicies, or left out`);
  if (numEnvs % (K / G) !== 0) fail('numEnvs', numEnvs, `a multiple of ${K / G}, the seats each policy plays (numEnvs counts a policy's rows: its seats × matches)`);
  return { policies: Object.freeze([...policies]), order: Object.freeze(seatsOf.flat()), agents: G };
}
