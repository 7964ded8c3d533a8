/**
 * Demonstrations: (observation, action) pairs recorded from a human or any controller, episode by
 * episode, for behaviour cloning (src/algos/behaviour-cloning/behaviour-cloning.ts). The recorder knows the env's
 * spaces, so a bad pair is refused when it is recorded, not when a GPU kernel reads it. Pairs are
 * kept in growable f32/u32 arrays (no per-step objects); `toDataset()` hands them over in the
 * layout the cloning trainer uploads as is, and `toJSON()` / `fromJSON()` let a game store them.
 *
 * Observations are recorded as the actor will see them: if the agent normalises observations, the
 * game records raw ones and the trainer that clones them must apply the same normalisation.
 */
import { checkMultiDiscrete } from '../envs/action-branches';
import { MAX_ACTION_SIZE } from '../envs/contract';
import type { ActionSpace } from '../envs/types';

/** The spaces of the env the demonstrations come from. */
export interface DemonstrationsConfig {
  /** Floats per observation (the env's observationSpace.size). */
  readonly observationSize: number;
  /**
   * `{ kind: 'discrete', n }`, `{ kind: 'multiDiscrete', nvec }` (K branches, an action one integer
   * per branch) or a box (only its `size` is used: the env clips to its bounds).
   */
  readonly actionSpace:
    | ActionSpace
    | {
        /** A box of floats. */
        readonly kind: 'box';
        /** Floats per action. */
        readonly size: number;
      };
}

/** One finished episode: its pairs are `[start, start + length)` of the recording. */
export interface DemonstrationEpisode {
  /** Index of its first pair in the recording. */
  readonly start: number;
  /** Its pairs (steps), at least 1. */
  readonly length: number;
  /** The return the game reported at endEpisode, if it did. */
  readonly totalReturn?: number;
}

/** Every recorded pair, row-major: what createBehaviourCloning takes as `dataset`. */
export interface DemonstrationDataset {
  /** f32 [M][observationSize]. */
  readonly observations: Float32Array<ArrayBuffer>;
  /** u32 [M] (discrete), u32 [M][K] (multi-discrete, word b of a row in [0, nvec[b])) or f32 [M][actionSize] (box). */
  readonly actions: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>;
}

/** The stored form (JSON.stringify of toJSON()). */
export interface DemonstrationsJson {
  /** Always 'webgpu-rl.demonstrations'. */
  readonly format: typeof FORMAT;
  /** The stored form's version ({@link DEMONSTRATIONS_VERSION} when written by this engine). */
  readonly version: number;
  /** Floats per observation. */
  readonly observationSize: number;
  /** The action space: discrete with n actions, K branches of nvec[b] actions, or a box of `size` floats. */
  readonly actionSpace:
    | {
        /** Discrete actions 0 … n − 1. */
        readonly kind: 'discrete';
        /** The number of actions. */
        readonly n: number;
      }
    | {
        /** One discrete action per branch. */
        readonly kind: 'multiDiscrete';
        /** Actions of each branch (1 to MAX_ACTION_BRANCHES branches, Σ nvec ≤ MAX_DISCRETE_ACTIONS). */
        readonly nvec: readonly number[];
      }
    | {
        /** A box of floats. */
        readonly kind: 'box';
        /** Floats per action. */
        readonly size: number;
      };
  /** The finished episodes, in order (pairs after the last one are an unfinished episode). */
  readonly episodes: readonly DemonstrationEpisode[];
  /** M·observationSize numbers (f32 values, exact). */
  readonly observations: readonly number[];
  /** M (discrete), M·K (multi-discrete) or M·actionSize (box) numbers. */
  readonly actions: readonly number[];
}

const FORMAT = 'webgpu-rl.demonstrations';
/** Version of the stored form; fromJSON refuses newer ones. */
export const DEMONSTRATIONS_VERSION = 1;

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const shown = (v: unknown) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `array of length ${v.length}` : String(v));

function fail(field: string, value: unknown, valid: string): never {
  throw new RangeError(`demonstrations: ${field} must be ${valid} (got ${shown(value)})`);
}

/** A recorder of demonstrations for one env's spaces. */
export class Demonstrations {
  /** Floats per observation. */
  readonly observationSize: number;
  /** The action space: discrete with n actions, K branches of nvec[b], or a box of `size` floats (its bounds are not kept). */
  readonly actionSpace: DemonstrationsJson['actionSpace'];
  /** Words per recorded action: 1 (discrete), K (multi-discrete: one per branch) or the box size. */
  readonly actionSize: number;
  private observationData: Float32Array<ArrayBuffer>;
  private actionData: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>;
  private count = 0;
  private episodeStart = 0;
  private readonly finished: DemonstrationEpisode[] = [];

  constructor(config: DemonstrationsConfig) {
    if (typeof config !== 'object' || config === null) fail('config', config, 'an object { observationSize, actionSpace }');
    if (!isPositiveInteger(config.observationSize)) fail('observationSize', config.observationSize, 'a positive integer');
    this.observationSize = config.observationSize;
    const space = config.actionSpace as { kind?: unknown; n?: unknown; nvec?: unknown; size?: unknown } | undefined;
    if (space?.kind === 'discrete') {
      if (!isPositiveInteger(space.n) || space.n > 0xffffffff) fail('actionSpace.n', space.n, 'a positive integer');
      this.actionSpace = Object.freeze({ kind: 'discrete', n: space.n });
      this.actionSize = 1;
    } else if (space?.kind === 'multiDiscrete') {
      // A copy: the caller's array may change after the recorder has checked it.
      const nvec = Object.freeze([...checkMultiDiscrete('demonstrations', space.nvec)]);
      this.actionSpace = Object.freeze({ kind: 'multiDiscrete', nvec });
      this.actionSize = nvec.length;
    } else if (space?.kind === 'box') {
      if (!isPositiveInteger(space.size) || space.size > MAX_ACTION_SIZE) fail('actionSpace.size', space.size, `an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE)`);
      this.actionSpace = Object.freeze({ kind: 'box', size: space.size });
      this.actionSize = space.size;
    } else {
      fail('actionSpace.kind', space?.kind, "'discrete' (with n), 'multiDiscrete' (with nvec) or 'box' (with size)");
    }
    const capacity = 256;
    this.observationData = new Float32Array(capacity * this.observationSize);
    this.actionData = this.integerActions ? new Uint32Array(capacity * this.actionSize) : new Float32Array(capacity * this.actionSize);
  }

  /** Discrete and multi-discrete actions are u32 words (what the categorical head reads); a box's are f32. */
  private get integerActions(): boolean {
    return this.actionSpace.kind !== 'box';
  }

  /** Recorded pairs, those of an unfinished episode included. */
  get size(): number {
    return this.count;
  }

  /** Pairs recorded since the last endEpisode (the open episode). */
  get pendingSteps(): number {
    return this.count - this.episodeStart;
  }

  /** The finished episodes, in order. */
  get episodes(): readonly DemonstrationEpisode[] {
    return this.finished;
  }

  /**
   * Records one step: the observation the controller saw and the action it took. Discrete: an
   * integer in [0, n) (or a one-element array); multi-discrete: K integers, word b in [0, nvec[b])
   * (a number when K is 1); box: `size` finite numbers (a number when size is 1).
   */
  record(observation: ArrayLike<number>, action: number | ArrayLike<number>): void {
    const OBS = this.observationSize;
    if (observation === null || typeof observation !== 'object' || typeof observation.length !== 'number') {
      fail('record: observation', observation, `an array of ${OBS} numbers`);
    }
    if (observation.length !== OBS) fail('record: observation.length', observation.length, `${OBS} (the observation size)`);
    for (let i = 0; i < OBS; i += 1) {
      const v = observation[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`record: observation[${i}]`, v, 'a finite number');
    }
    const actionWords = this.checkAction(action);
    this.reserve(this.count + 1);
    this.observationData.set(observation, this.count * OBS);
    this.actionData.set(actionWords, this.count * this.actionSize);
    this.count += 1;
  }

  private checkAction(action: number | ArrayLike<number>): ArrayLike<number> {
    const A = this.actionSize;
    const space = this.actionSpace;
    const expected =
      space.kind === 'discrete' ? 'an integer' : space.kind === 'multiDiscrete' ? `an array of ${A} integers, one per branch of nvec [${space.nvec.join(', ')}]` : `an array of ${A} numbers`;
    // A bare number is one word: fine for a discrete action or a one-word space, not for K branches.
    if (typeof action === 'number' && A !== 1) fail('record: action', action, expected);
    const words = typeof action === 'number' ? [action] : action;
    if (words === null || typeof words !== 'object' || typeof words.length !== 'number') fail('record: action', action, expected);
    if (words.length !== A) fail('record: action.length', words.length, `${A} (the action size)`);
    if (space.kind === 'discrete') {
      const n = space.n;
      const a = words[0];
      if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= n) fail('record: action', a, `an integer in [0, ${n})`);
    } else if (space.kind === 'multiDiscrete') {
      for (let b = 0; b < A; b += 1) {
        const n = space.nvec[b]!;
        const v = words[b];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) fail(`record: action[${b}]`, v, `an integer in [0, ${n}) (branch ${b} of nvec [${space.nvec.join(', ')}])`);
      }
    } else {
      for (let i = 0; i < A; i += 1) {
        const v = words[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`record: action[${i}]`, v, 'a finite number');
        if (!Number.isFinite(Math.fround(v))) fail(`record: action[${i}]`, v, 'representable as f32');
      }
    }
    return words;
  }

  private reserve(rows: number): void {
    const capacity = this.observationData.length / this.observationSize;
    if (rows <= capacity) return;
    const grown = Math.max(rows, capacity * 2);
    const observations = new Float32Array(grown * this.observationSize);
    observations.set(this.observationData);
    this.observationData = observations;
    const actions = this.integerActions ? new Uint32Array(grown * this.actionSize) : new Float32Array(grown * this.actionSize);
    actions.set(this.actionData);
    this.actionData = actions;
  }

  /** Closes the open episode (at least one step recorded since the last), with its return if known. */
  endEpisode(totalReturn?: number): void {
    const length = this.count - this.episodeStart;
    if (length === 0) throw new RangeError('demonstrations: endEpisode with no step recorded since the last endEpisode');
    if (totalReturn !== undefined && (typeof totalReturn !== 'number' || !Number.isFinite(totalReturn))) {
      fail('endEpisode: totalReturn', totalReturn, 'a finite number or absent');
    }
    this.finished.push(Object.freeze(totalReturn === undefined ? { start: this.episodeStart, length } : { start: this.episodeStart, length, totalReturn }));
    this.episodeStart = this.count;
  }

  /** Forgets every pair and episode. */
  clear(): void {
    this.count = 0;
    this.episodeStart = 0;
    this.finished.length = 0;
  }

  /** Copies of every recorded pair (the open episode's included), row-major. */
  toDataset(): DemonstrationDataset {
    return {
      observations: this.observationData.slice(0, this.count * this.observationSize),
      actions: this.actionData.slice(0, this.count * this.actionSize),
    };
  }

  /** A plain object for JSON.stringify; f32 values survive the round trip exactly. */
  toJSON(): DemonstrationsJson {
    const { observations, actions } = this.toDataset();
    return {
      format: FORMAT,
      version: DEMONSTRATIONS_VERSION,
      observationSize: this.observationSize,
      actionSpace: this.actionSpace,
      episodes: this.finished.map((e) => ({ ...e })),
      observations: Array.from(observations),
      actions: Array.from(actions),
    };
  }

  /** Rebuilds a recorder from toJSON()'s object or its JSON text, checking every field and value. */
  static fromJSON(input: string | DemonstrationsJson): Demonstrations {
    const json = (typeof input === 'string' ? JSON.parse(input) : input) as Partial<DemonstrationsJson> | null;
    if (typeof json !== 'object' || json === null) fail('json', json, 'an object from Demonstrations.toJSON()');
    if (json.format !== FORMAT) fail('json.format', json.format, `'${FORMAT}'`);
    if (!isPositiveInteger(json.version) || json.version > DEMONSTRATIONS_VERSION) {
      fail('json.version', json.version, `an integer in [1, ${DEMONSTRATIONS_VERSION}] (this engine reads up to version ${DEMONSTRATIONS_VERSION})`);
    }
    const demonstrations = new Demonstrations({ observationSize: json.observationSize as number, actionSpace: json.actionSpace as ActionSpace });
    const { observations, actions, episodes } = json;
    if (!Array.isArray(observations) || observations.length % demonstrations.observationSize !== 0) {
      fail('json.observations', observations, `an array whose length is a multiple of ${demonstrations.observationSize}`);
    }
    const rows = observations.length / demonstrations.observationSize;
    if (!Array.isArray(actions) || actions.length !== rows * demonstrations.actionSize) {
      fail('json.actions', actions, `an array of ${rows * demonstrations.actionSize} numbers (${rows} rows × ${demonstrations.actionSize})`);
    }
    if (!Array.isArray(episodes)) fail('json.episodes', episodes, 'an array');
    const OBS = demonstrations.observationSize;
    const A = demonstrations.actionSize;
    for (let r = 0; r < rows; r += 1) {
      demonstrations.record(observations.slice(r * OBS, (r + 1) * OBS), actions.slice(r * A, (r + 1) * A));
    }
    // Episodes must tile a prefix of the rows, in order; any rows after them are the open episode.
    let next = 0;
    episodes.forEach((episode, i) => {
      const e = episode as Partial<DemonstrationEpisode> | null;
      if (typeof e !== 'object' || e === null) fail(`json.episodes[${i}]`, e, 'an object { start, length, totalReturn? }');
      if (e.start !== next) fail(`json.episodes[${i}].start`, e.start, `${next} (episodes are consecutive)`);
      if (!isPositiveInteger(e.length) || next + e.length > rows) fail(`json.episodes[${i}].length`, e.length, `an integer in [1, ${rows - next}]`);
      if (e.totalReturn !== undefined && (typeof e.totalReturn !== 'number' || !Number.isFinite(e.totalReturn))) {
        fail(`json.episodes[${i}].totalReturn`, e.totalReturn, 'a finite number or absent');
      }
      demonstrations.episodeStart = next;
      demonstrations.count = next + e.length;
      demonstrations.endEpisode(e.totalReturn);
      next += e.length;
    });
    demonstrations.count = rows;
    return demonstrations;
  }
}
