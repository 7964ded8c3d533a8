/**
 * checkpoint.wgrl, format version 3: everything a run needs to continue, and what a game needs to
 * act and to export its policy. Little-endian:
 *
 *   bytes 0–3     magic "WGRL"
 *   bytes 4–7     u32 format version (3; 2 is read too: its report buffer predates the mask-error
 *                 and metric words, and is moved into today's layout on reading, migrateReportV2)
 *   bytes 8–11    u32 H, the header's length in bytes
 *   H bytes       UTF-8 JSON header (CheckpointHeader), padded with spaces to a multiple of 4
 *   the data      sections, each starting on a 4-byte boundary at `offset` bytes from the data's start:
 *                 the networks' f32 parameters ([G][P] in their mlpLayout), then the trainer's state
 *                 (its persistent GPU buffers, verbatim: Adam's moments and step counts, the envs'
 *                 states and episode progress, the normalisers' running statistics, the report's
 *                 episode ring)
 *   last 32 bytes SHA-256 of every byte before them
 *
 * Why this shape: the header is small and readable (`head -c 4096` shows what a file is); the
 * binary sections are the GPU buffers byte for byte, so a restored trainer continues bit for bit;
 * the digest catches a truncated or altered file before anything is overwritten. RNG counters need
 * no section: every random draw is keyed by (seed, iteration, step), so `iteration` restores them.
 *
 * A reader refuses a newer format version (it cannot know what a newer writer meant) and a file
 * whose digest does not match; `checkCheckpointMatches` refuses one made for another network or env.
 */
import { continuousActionDims, policyOutputWidth } from '../envs/action-branches';
import type { ActionSpace, BoxSpace } from '../envs/types';
import type { MlpSpec } from '../nn/mlp-spec';
import { policyKindOf } from './policy-kind';
import { ENGINE_VERSION } from '../version';
import { migrateReportV2 } from './report';

export const CHECKPOINT_MAGIC = 'WGRL';
/** The format this build writes and the newest it reads. */
export const CHECKPOINT_FORMAT_VERSION = 3;
/** The oldest format this build reads (2: the report buffer without mask-error and metric words). */
const OLDEST_READ_VERSION = 2;
const DIGEST_BYTES = 32;
const PREAMBLE_BYTES = 12;

/** A checkpoint that cannot be read or does not fit: names what is wrong; nothing was changed. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** One network of a checkpoint: its layout and every agent's parameters. */
export interface CheckpointNetwork {
  /** 'actor' or 'critic'. */
  readonly name: string;
  /** Its shape: input size, hidden widths, activation, heads. */
  readonly spec: MlpSpec;
  /** f32 [G][parametersPerAgent] in mlpLayout(spec)'s order. */
  readonly parameters: Float32Array;
}

/** The env a checkpoint was trained on: its id and spaces (what a network's shapes depend on). */
export interface CheckpointEnv {
  /** The env's id, e.g. 'CartPole-v1'. */
  readonly id: string;
  /** The observation box (its `size` is the actor's input size). */
  readonly observationSpace: BoxSpace;
  /** The action space (its size or number of actions is the policy head's). */
  readonly actionSpace: ActionSpace;
  /** A game's JavaScript env (its state lives in the game, not in the checkpoint). */
  readonly host?: boolean;
}

/** Agent 0's running observation statistics: inputs are (x − mean)/√(variance + epsilon), clipped to ±clip. */
export interface CheckpointObservationNormaliser {
  /** Running mean of each observation dimension. */
  readonly mean: readonly number[];
  /** Running variance of each observation dimension. */
  readonly variance: readonly number[];
  /** Observations seen (plus the statistics' prior count, 1e-4). */
  readonly count: number;
  /** Added to the variance under the square root (1e-8). */
  readonly epsilon: number;
  /** Normalised inputs are clipped to ±clip (10). */
  readonly clip: number;
}

/**
 * A checkpoint, decoded: what the run was (algorithm, config, env, seed), where it is (iteration,
 * step), its networks, and the trainer's GPU state to continue it. Agent.checkpoint() returns one;
 * {@link decodeCheckpoint} reads one from the bytes of Agent.save().
 */
export interface Checkpoint {
  /** The engine that wrote it (informational). */
  readonly engineVersion: string;
  /** ISO time of writing (informational). */
  readonly createdAt: string;
  /** The algorithm's name ({@link AlgorithmName}). */
  readonly algo: string;
  /** The trainer's resolved config, as JSON (enough to rebuild the same trainer). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The env it was trained on. */
  readonly env: CheckpointEnv;
  /**
   * The policy head: categorical over discrete actions (logits), a Gaussian over a box (means and a
   * learned log-std), or both over a hybrid space (the D means, then the Σ nvec logits, and a
   * log-std of the D continuous dims): policyKindOf(env.actionSpace), checked by checkCheckpointPolicy.
   */
  readonly policy: 'categorical' | 'gaussian' | 'hybrid';
  /** The config's seed (agent g used seed + g). */
  readonly seed: number;
  /** G. */
  readonly agents: number;
  /** Iterations completed; the next iteration to run (RNG counters are keyed by it). */
  readonly iteration: number;
  /** Env steps taken per agent (CleanRL's global_step). */
  readonly globalStep: number;
  /** The actor, and the critic where the algorithm has one. */
  readonly networks: readonly CheckpointNetwork[];
  /** Agent 0's observation statistics, when the config normalises observations (normObs). */
  readonly observationNormaliser?: CheckpointObservationNormaliser;
  /** Optimiser summary for readers (the moments themselves are in `state`). */
  readonly optimizer?: {
    /** The optimiser: 'adam'. */
    readonly kind: string;
    /** Adam steps taken. */
    readonly steps: number;
  };
  /** The trainer's persistent GPU buffers by name, byte for byte (absent: parameters only, not resumable). */
  readonly state?: Readonly<Record<string, Uint8Array>>;
}

interface Section {
  readonly name: string;
  readonly offset: number;
  readonly byteLength: number;
}

/** The JSON header as stored. */
interface CheckpointHeader extends Omit<Checkpoint, 'networks' | 'state'> {
  readonly format: 'wgrl-checkpoint';
  readonly formatVersion: number;
  readonly networks: readonly { readonly name: string; readonly spec: MlpSpec; readonly section: string }[];
  readonly stateSections: readonly string[];
  readonly sections: readonly Section[];
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

// JSON has no ±Infinity (an unbounded observation space has them): stored as the strings.
const infinityAsText = (_key: string, value: unknown) => (value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : value);
const infinityFromText = (_key: string, value: unknown) => (value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value);

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The bytes of checkpoint.wgrl (format version 3), digest included. */
export async function encodeCheckpoint(checkpoint: Omit<Checkpoint, 'engineVersion' | 'createdAt'> & Partial<Pick<Checkpoint, 'engineVersion' | 'createdAt'>>): Promise<Uint8Array> {
  const blobs: { name: string; bytes: Uint8Array }[] = [];
  for (const n of checkpoint.networks) {
    blobs.push({ name: `network.${n.name}`, bytes: new Uint8Array(n.parameters.buffer, n.parameters.byteOffset, n.parameters.byteLength) });
  }
  const stateNames = Object.keys(checkpoint.state ?? {});
  for (const name of stateNames) blobs.push({ name: `state.${name}`, bytes: checkpoint.state![name]! });
  let offset = 0;
  const sections = blobs.map(({ name, bytes }) => {
    const section = { name, offset, byteLength: bytes.byteLength };
    offset = align4(offset + bytes.byteLength);
    return section;
  });
  const { networks, state: _state, ...rest } = checkpoint;
  const header: CheckpointHeader = {
    format: 'wgrl-checkpoint',
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    ...rest,
    engineVersion: checkpoint.engineVersion ?? ENGINE_VERSION,
    createdAt: checkpoint.createdAt ?? new Date().toISOString(),
    networks: networks.map((n) => ({ name: n.name, spec: n.spec, section: `network.${n.name}` })),
    stateSections: stateNames,
    sections,
  };
  let json = JSON.stringify(header, infinityAsText);
  const encoder = new TextEncoder();
  while (encoder.encode(json).length % 4 !== 0) json += ' ';
  const headerBytes = encoder.encode(json);
  const dataStart = PREAMBLE_BYTES + headerBytes.length;
  const out = new Uint8Array(dataStart + offset + DIGEST_BYTES);
  out.set(encoder.encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  blobs.forEach(({ bytes }, i) => out.set(bytes, dataStart + sections[i]!.offset));
  out.set(await sha256(out.subarray(0, out.length - DIGEST_BYTES)), out.length - DIGEST_BYTES);
  return out;
}

/** Reads checkpoint.wgrl bytes; throws CheckpointError on a foreign, newer, truncated or altered file. */
export async function decodeCheckpoint(bytes: Uint8Array): Promise<Checkpoint> {
  if (bytes.byteLength < PREAMBLE_BYTES + DIGEST_BYTES) throw new CheckpointError(`not a .wgrl checkpoint (${bytes.byteLength} bytes is too short to be one)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC) throw new CheckpointError(`not a .wgrl checkpoint (magic '${magic}', expected '${CHECKPOINT_MAGIC}')`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version > CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(`checkpoint format version ${version} is newer than this engine (${ENGINE_VERSION}) reads (≤ ${CHECKPOINT_FORMAT_VERSION}); upgrade webgpu-rl to load it`);
  }
  if (version < OLDEST_READ_VERSION) {
    throw new CheckpointError(`checkpoint format version ${version} (parameters only, written by webgpu-rl 0.1) is not supported: it lacks the state to resume from; retrain`);
  }
  const body = bytes.subarray(0, bytes.byteLength - DIGEST_BYTES);
  const stored = bytes.subarray(bytes.byteLength - DIGEST_BYTES);
  const computed = await sha256(body);
  if (hex(stored) !== hex(computed)) {
    throw new CheckpointError(`checkpoint checksum mismatch (stored SHA-256 ${hex(stored).slice(0, 16)}…, computed ${hex(computed).slice(0, 16)}…): the file is truncated or altered`);
  }
  const headerLength = view.getUint32(8, true);
  const dataStart = PREAMBLE_BYTES + headerLength;
  if (dataStart > body.byteLength) throw new CheckpointError(`checkpoint header length ${headerLength} runs past the file's ${bytes.byteLength} bytes`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, dataStart)), infinityFromText) as CheckpointHeader;
  } catch (error) {
    throw new CheckpointError(`checkpoint header is not valid JSON (${(error as Error).message})`);
  }
  if (header.format !== 'wgrl-checkpoint') throw new CheckpointError(`checkpoint header format '${String(header.format)}' is not 'wgrl-checkpoint'`);
  const section = (name: string): Uint8Array => {
    const s = header.sections.find((x) => x.name === name);
    if (!s) throw new CheckpointError(`checkpoint has no section '${name}'`);
    const start = dataStart + s.offset;
    if (s.offset % 4 !== 0 || start + s.byteLength > body.byteLength) throw new CheckpointError(`checkpoint section '${name}' lies outside the data`);
    return bytes.slice(start, start + s.byteLength);
  };
  const networks = header.networks.map((n) => {
    const data = section(n.section);
    return { name: n.name, spec: n.spec, parameters: new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4) };
  });
  const state: Record<string, Uint8Array> = {};
  for (const name of header.stateSections) state[name] = section(`state.${name}`);
  if (version === 2 && state.report) {
    const migrated = migrateReportV2(state.report);
    if (!migrated) throw new CheckpointError(`checkpoint format 2 state 'report' has ${state.report.byteLength} bytes, not a whole number of that format's report records`);
    state.report = migrated;
  }
  const { format: _format, formatVersion: _version, networks: _networks, stateSections, sections: _sections, ...rest } = header;
  return { ...rest, networks, ...(stateSections.length > 0 ? { state } : {}) };
}

/** What a checkpoint must match to be loaded into an agent. */
export interface CheckpointExpectation {
  readonly networks?: readonly { readonly name: string; readonly spec: MlpSpec }[];
  readonly observationSize?: number;
  readonly actionSpace?: ActionSpace;
  readonly algo?: string;
}

const canonical = (x: unknown) => JSON.stringify(x, infinityAsText);

/** Throws CheckpointError naming the first difference between a checkpoint and what it is loaded into. */
export function checkCheckpointMatches(checkpoint: Checkpoint, expected: CheckpointExpectation): void {
  if (expected.algo !== undefined && checkpoint.algo !== expected.algo) {
    throw new CheckpointError(`checkpoint was trained by '${checkpoint.algo}', not '${expected.algo}'`);
  }
  if (expected.observationSize !== undefined && checkpoint.env.observationSpace.size !== expected.observationSize) {
    throw new CheckpointError(
      `checkpoint env '${checkpoint.env.id}' has observations of ${checkpoint.env.observationSpace.size} values; this env has ${expected.observationSize}`,
    );
  }
  if (expected.actionSpace !== undefined && canonical(checkpoint.env.actionSpace) !== canonical(expected.actionSpace)) {
    throw new CheckpointError(
      `checkpoint env '${checkpoint.env.id}' has action space ${canonical(checkpoint.env.actionSpace)}; this env has ${canonical(expected.actionSpace)}`,
    );
  }
  for (const network of expected.networks ?? []) {
    const stored = checkpoint.networks.find((n) => n.name === network.name);
    if (!stored) throw new CheckpointError(`checkpoint has no network '${network.name}' (it has ${checkpoint.networks.map((n) => n.name).join(', ')})`);
    if (canonical(stored.spec) !== canonical(network.spec)) {
      throw new CheckpointError(`checkpoint network '${network.name}' is ${canonical(stored.spec)}; expected ${canonical(network.spec)}`);
    }
  }
}

/** What the 'policy' head of a space's actor holds, for messages: its width and what it is made of. */
function policyHeadOf(space: ActionSpace): { width: number; parts: string } {
  const D = continuousActionDims(space);
  const logits = policyOutputWidth(space) - D;
  if (space.kind === 'box') return { width: D, parts: 'a mean per action dim' };
  if (space.kind === 'hybrid') return { width: D + logits, parts: `D + Σ nvec: ${D} means, then ${logits} logits` };
  return { width: logits, parts: space.kind === 'multiDiscrete' ? 'Σ nvec logits' : 'a logit per action' };
}

/**
 * Throws CheckpointError unless the checkpoint's policy fits its own env: the kind policyKindOf
 * gives its action space ('categorical', 'gaussian' or 'hybrid'), an 'actor' network whose
 * 'policy' head is as wide as the space needs (D + Σ nvec: the means, then the logits) and whose
 * learned log-std covers the D continuous dims (none for a categorical policy). A checkpoint that
 * passes can act and be exported as its env's kind of policy.
 */
export function checkCheckpointPolicy(checkpoint: Checkpoint): void {
  const { env, policy } = checkpoint;
  const space = env.actionSpace;
  const expected = policyKindOf(space);
  if (policy !== expected) {
    throw new CheckpointError(`checkpoint policy '${String(policy)}' does not fit env '${env.id}''s ${space.kind} action space (expected '${expected}')`);
  }
  const actor = checkpoint.networks.find((n) => n.name === 'actor');
  if (!actor) throw new CheckpointError(`checkpoint has no 'actor' network (it has ${checkpoint.networks.map((n) => `'${n.name}'`).join(', ') || 'none'})`);
  const head = actor.spec.heads.find((h) => h.name === 'policy');
  const need = policyHeadOf(space);
  if (!head || head.size !== need.width) {
    throw new CheckpointError(`checkpoint actor's policy head has ${head ? head.size : 'no'} outputs but env '${env.id}''s ${space.kind} action space needs ${need.width} (${need.parts})`);
  }
  const D = continuousActionDims(space);
  const logStd = actor.spec.extras?.logStd ?? 0;
  if (logStd !== D) {
    const want = D === 0 ? `none: a ${policy} policy has no continuous dims` : `${D}, one per continuous dim of its ${space.kind} action space`;
    throw new CheckpointError(`checkpoint actor's extras.logStd has ${logStd} values; env '${env.id}' needs ${want}`);
  }
}
