/**
 * Demonstrations: (observation, action) pairs recorded from a human or any controller, episode by
 * episode, for behaviour cloning (src/algos/behaviour-cloning/behaviour-cloning.ts). The recorder knows the env's
 * spaces, so a bad pair is refused when it is recorded, not when a GPU kernel reads it. Pairs are
 * kept in growable f32/u32 arrays (no per-step objects); `toDataset()` hands them over in the
 * layout the cloning trainer uploads as is, and `toJSON()` / `fromJSON()` let a game store them.
 *
 * Observations are recorded as the actor will see them: if the agent normalises observations, the
 * game records raw ones and the trainer that clones them must apply the same normalisation.
 *
 * A hybrid action (src/envs/types.ts HybridSpace) is recorded as its two parts apart, the form
 * act() returns and a per-instance env's step() gets, and kept as the row of D f32 then K u32 words
 * the GPU reads; the stored form writes that row as plain numbers, the space saying which is which.
 */
import { checkMultiDiscrete } from '../envs/action-branches';
import { MAX_ACTION_SIZE } from '../envs/contract';
import type { ActionSpace } from '../envs/types';

/** A box of floats as the recorder keeps it: only its size (the env clips to its bounds). */
export interface DemonstrationBox {
  /** A box of floats. */
  readonly kind: 'box';
  /** Floats per action. */
  readonly size: number;
}

/** A hybrid space as the recorder keeps it: the continuous box's size and the branches. */
export interface DemonstrationHybridSpace {
  /** A box and discrete branches chosen together. */
  readonly kind: 'hybrid';
  /** The continuous part: D floats (1 ≤ D; D + K ≤ MAX_ACTION_SIZE words per action). */
  readonly continuous: DemonstrationBox;
  /** Actions of each of the K branches (1 to MAX_ACTION_BRANCHES branches, Σ nvec ≤ MAX_DISCRETE_ACTIONS). */
  readonly nvec: readonly number[];
}

/**
 * A hybrid action as record() takes it: the two parts apart, as act() returns them (`actions` and
 * `discreteActions` rows) and a per-instance env's step() gets them (HybridAction).
 */
export interface HybridDemonstrationAction {
  /** The D continuous dims: finite numbers representable as f32, kept as given (the env clips them); a number when D is 1. */
  readonly continuous: number | ArrayLike<number>;
  /** The K branch indices, branch b's an integer in [0, nvec[b]); a number when K is 1. */
  readonly discrete: number | ArrayLike<number>;
}

/** The spaces of the env the demonstrations come from. */
export interface DemonstrationsConfig {
  /** Floats per observation (the env's observationSpace.size). */
  readonly observationSize: number;
  /**
   * `{ kind: 'discrete', n }`, `{ kind: 'multiDiscrete', nvec }` (K branches, an action one integer
   * per branch), a box (only its `size` is used: the env clips to its bounds) or
   * `{ kind: 'hybrid', continuous, nvec }` (a box of D floats and K branches; of the box only its
   * size is used).
   */
  readonly actionSpace: ActionSpace | DemonstrationBox | DemonstrationHybridSpace;
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
  /**
   * A Uint32Array for discrete (u32 [M]), multi-discrete (u32 [M][K], word b of a row in
   * [0, nvec[b])) and hybrid actions, a Float32Array [M][actionSize] for a box. Hybrid: a
   * Uint32Array [M][D + K] of the rows the GPU reads, the D continuous values first as f32 bit
   * patterns (read them through `new Float32Array(actions.buffer)`), then the K branch indices; the
   * cloning trainer uploads its bytes as they are.
   */
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
  /**
   * The action space: discrete with n actions, K branches of nvec[b] actions, a box of `size`
   * floats, or hybrid (a box of `continuous.size` = D floats and K branches of nvec[b]).
   */
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
    | DemonstrationBox
    | DemonstrationHybridSpace;
  /** The finished episodes, in order (pairs after the last one are an unfinished episode). */
  readonly episodes: readonly DemonstrationEpisode[];
  /** M·observationSize numbers (f32 values, exact). */
  readonly observations: readonly number[];
  /**
   * M (discrete), M·K (multi-discrete), M·actionSize (box) or M·(D + K) (hybrid) numbers. A hybrid
   * row is its D continuous values (f32 values, exact) then its K branch indices, as plain numbers.
   */
  readonly actions: readonly number[];
}

const FORMAT = 'webgpu-rl.demonstrations';
/** Version of the stored form; fromJSON refuses newer ones. */
export const DEMONSTRATIONS_VERSION = 1;

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** A value as an error shows it: arrays by their length (they may be long), plain objects as JSON (shortened). */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  if (typeof v === 'object' && v !== null) {
    let text: string;
    try {
      text = JSON.stringify(v);
    } catch {
      // A cycle or a BigInt: the type is all an error can show.
      return String(v);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  return String(v);
}

function fail(field: string, value: unknown, valid: string): never {
  throw new RangeError(`demonstrations: ${field} must be ${valid} (got ${shown(value)})`);
}

/** The recorder's copy of an action space, checked: its kind, sizes and branches, without a box's bounds. */
function resolveActionSpace(config: DemonstrationsConfig['actionSpace']): { actionSpace: DemonstrationsJson['actionSpace']; actionSize: number } {
  const space = config as { kind?: unknown; n?: unknown; nvec?: unknown; size?: unknown; continuous?: unknown } | undefined;
  const boxSize = (field: string, size: unknown) => {
    if (!isPositiveInteger(size) || size > MAX_ACTION_SIZE) fail(field, size, `an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE)`);
    return size;
  };
  if (space?.kind === 'discrete') {
    if (!isPositiveInteger(space.n) || space.n > 0xffffffff) fail('actionSpace.n', space.n, 'a positive integer');
    return { actionSpace: Object.freeze({ kind: 'discrete', n: space.n }), actionSize: 1 };
  }
  if (space?.kind === 'multiDiscrete') {
    // A copy: the caller's array may change after the recorder has checked it.
    const nvec = Object.freeze([...checkMultiDiscrete('demonstrations', space.nvec)]);
    return { actionSpace: Object.freeze({ kind: 'multiDiscrete', nvec }), actionSize: nvec.length };
  }
  if (space?.kind === 'box') {
    const size = boxSize('actionSpace.size', space.size);
    return { actionSpace: Object.freeze({ kind: 'box', size }), actionSize: size };
  }
  if (space?.kind === 'hybrid') {
    const box = space.continuous as { kind?: unknown; size?: unknown } | null | undefined;
    if (typeof box !== 'object' || box === null || box.kind !== 'box') fail('actionSpace.continuous', box, "a box { kind: 'box', size } (the hybrid space's continuous dims)");
    const D = boxSize('actionSpace.continuous.size', box.size);
    const nvec = Object.freeze([...checkMultiDiscrete('demonstrations', space.nvec)]);
    // An action is one row of D + K words on the GPU, and rows are at most MAX_ACTION_SIZE words.
    if (D + nvec.length > MAX_ACTION_SIZE) {
      fail('actionSpace.continuous.size + actionSpace.nvec.length', D + nvec.length, `at most ${MAX_ACTION_SIZE} (MAX_ACTION_SIZE: a hybrid action is one row of D + K words)`);
    }
    return { actionSpace: Object.freeze({ kind: 'hybrid', continuous: Object.freeze({ kind: 'box', size: D }), nvec }), actionSize: D + nvec.length };
  }
  return fail('actionSpace.kind', space?.kind, "'discrete' (with n), 'multiDiscrete' (with nvec), 'box' (with size) or 'hybrid' (with continuous and nvec)");
}

/**
 * `value` as a list of `length` entries (`noun`: what they are, `what`: what they stand for); a bare
 * number is a list of one where `length` is 1.
 */
function listOf(field: string, value: unknown, length: number, noun: string, what: string): ArrayLike<unknown> {
  if (typeof value === 'number' && length === 1) return [value];
  if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<unknown>).length !== 'number') fail(field, value, `an array of ${length} ${noun}, ${what}`);
  const list = value as ArrayLike<unknown>;
  if (list.length !== length) fail(`${field}.length`, list.length, `${length} (${what})`);
  return list;
}

/** Each of `values` finite and within f32's range (what the GPU stores), or a RangeError naming `field[i]`. */
function checkFloats(field: string, values: ArrayLike<unknown>): ArrayLike<number> {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${field}[${i}]`, v, 'a finite number');
    if (!Number.isFinite(Math.fround(v))) fail(`${field}[${i}]`, v, 'representable as f32');
  }
  return values as ArrayLike<number>;
}

/** Word b of `values` an integer in [0, nvec[b]), or a RangeError naming `field[b]`, the branch and nvec. */
function checkBranches(field: string, values: ArrayLike<unknown>, nvec: readonly number[]): ArrayLike<number> {
  for (let b = 0; b < nvec.length; b += 1) {
    const n = nvec[b]!;
    const v = values[b];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) fail(`${field}[${b}]`, v, `an integer in [0, ${n}) (branch ${b} of nvec [${nvec.join(', ')}])`);
  }
  return values as ArrayLike<number>;
}

/** One checked action: `floats` go to the row's first words as f32, `words` after them as u32 (a box's are f32 too). */
interface CheckedAction {
  readonly floats: ArrayLike<number>;
  readonly words: ArrayLike<number>;
}

/** A recorder of demonstrations for one env's spaces. */
export class Demonstrations {
  /** Floats per observation. */
  readonly observationSize: number;
  /**
   * The action space: discrete with n actions, K branches of nvec[b], a box of `size` floats, or
   * hybrid with D = continuous.size floats and K branches (a box's bounds are not kept).
   */
  readonly actionSpace: DemonstrationsJson['actionSpace'];
  /** Words per recorded action: 1 (discrete), K (multi-discrete: one per branch), the box size, or D + K (hybrid). */
  readonly actionSize: number;
  private observationData: Float32Array<ArrayBuffer>;
  /** u32 rows (discrete, multi-discrete, hybrid) or f32 rows (box). */
  private actionData!: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>;
  /** A hybrid recording's f32 view of actionData's memory, through which its rows' first D words are written. */
  private actionFloats: Float32Array<ArrayBuffer> | null = null;
  private count = 0;
  private episodeStart = 0;
  private readonly finished: DemonstrationEpisode[] = [];

  constructor(config: DemonstrationsConfig) {
    if (typeof config !== 'object' || config === null) fail('config', config, 'an object { observationSize, actionSpace }');
    if (!isPositiveInteger(config.observationSize)) fail('observationSize', config.observationSize, 'a positive integer');
    this.observationSize = config.observationSize;
    const { actionSpace, actionSize } = resolveActionSpace(config.actionSpace);
    this.actionSpace = actionSpace;
    this.actionSize = actionSize;
    const capacity = 256;
    this.observationData = new Float32Array(capacity * this.observationSize);
    this.allocateActions(capacity);
  }

  /** D: the continuous dims of a hybrid space (its rows' leading f32 words); 0 for another space. */
  private get continuousDims(): number {
    return this.actionSpace.kind === 'hybrid' ? this.actionSpace.continuous.size : 0;
  }

  /**
   * Room for `rows` actions, the recorded ones copied over. A box's are f32 words; the others are
   * u32 (what the categorical head reads), a hybrid row's first D through an f32 view of the same
   * memory, so the dataset is the GPU's row layout as it stands.
   */
  private allocateActions(rows: number): void {
    const old = this.actionData as Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer> | undefined;
    const words = rows * this.actionSize;
    this.actionData = this.actionSpace.kind === 'box' ? new Float32Array(words) : new Uint32Array(words);
    // Same element type as the old array: the words are copied as they are (f32 bits inside u32 included).
    if (old) (this.actionData as Uint32Array<ArrayBuffer>).set(old as Uint32Array<ArrayBuffer>);
    this.actionFloats = this.actionSpace.kind === 'hybrid' ? new Float32Array(this.actionData.buffer) : null;
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
   * (a number when K is 1); box: `size` finite numbers (a number when size is 1); hybrid: a
   * {@link HybridDemonstrationAction} `{ continuous, discrete }` of D finite numbers and K branch
   * indices (each part a number when its length is 1), e.g. act()'s `actions` and
   * `discreteActions` rows of one observation.
   */
  record(observation: ArrayLike<number>, action: number | ArrayLike<number> | HybridDemonstrationAction): void {
    const OBS = this.observationSize;
    if (observation === null || typeof observation !== 'object' || typeof observation.length !== 'number') {
      fail('record: observation', observation, `an array of ${OBS} numbers`);
    }
    if (observation.length !== OBS) fail('record: observation.length', observation.length, `${OBS} (the observation size)`);
    for (let i = 0; i < OBS; i += 1) {
      const v = observation[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`record: observation[${i}]`, v, 'a finite number');
    }
    // Everything is checked before anything is written: a refused pair leaves the recording as it was.
    const { floats, words } = this.actionSpace.kind === 'hybrid' ? this.checkHybridAction(action) : { floats: [], words: this.checkAction(action) };
    this.reserve(this.count + 1);
    this.observationData.set(observation, this.count * OBS);
    const row = this.count * this.actionSize;
    if (this.actionFloats) this.actionFloats.set(floats, row);
    this.actionData.set(words, row + floats.length);
    this.count += 1;
  }

  private checkAction(action: unknown): ArrayLike<number> {
    const A = this.actionSize;
    const space = this.actionSpace;
    const expected =
      space.kind === 'discrete' ? 'an integer' : space.kind === 'multiDiscrete' ? `an array of ${A} integers, one per branch of nvec [${space.nvec.join(', ')}]` : `an array of ${A} numbers`;
    // A bare number is one word: fine for a discrete action or a one-word space, not for K branches.
    if (typeof action === 'number' && A !== 1) fail('record: action', action, expected);
    const words = typeof action === 'number' ? [action] : (action as ArrayLike<unknown> | null);
    if (words === null || typeof words !== 'object' || typeof words.length !== 'number') fail('record: action', action, expected);
    if (words.length !== A) fail('record: action.length', words.length, `${A} (the action size)`);
    if (space.kind === 'discrete') {
      const n = space.n;
      const a = words[0];
      if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= n) fail('record: action', a, `an integer in [0, ${n})`);
      return words as ArrayLike<number>;
    }
    return space.kind === 'multiDiscrete' ? checkBranches('record: action', words, space.nvec) : checkFloats('record: action', words);
  }

  /** A hybrid action's two parts, each checked: the D floats and the K branch indices. */
  private checkHybridAction(action: unknown): CheckedAction {
    const space = this.actionSpace as DemonstrationHybridSpace;
    const D = space.continuous.size;
    const K = space.nvec.length;
    const nvec = `nvec [${space.nvec.join(', ')}]`;
    if (action === null || typeof action !== 'object' || !('continuous' in action) || !('discrete' in action)) {
      fail('record: action', action, `a hybrid action { continuous: ${D} numbers, discrete: ${K} integers (one per branch of ${nvec}) }`);
    }
    const { continuous, discrete } = action as HybridDemonstrationAction;
    const floats = listOf('record: action.continuous', continuous, D, 'numbers', 'the continuous dims');
    const words = listOf('record: action.discrete', discrete, K, 'integers', `one per branch of ${nvec}`);
    return { floats: checkFloats('record: action.continuous', floats), words: checkBranches('record: action.discrete', words, space.nvec) };
  }

  private reserve(rows: number): void {
    const capacity = this.observationData.length / this.observationSize;
    if (rows <= capacity) return;
    const grown = Math.max(rows, capacity * 2);
    const observations = new Float32Array(grown * this.observationSize);
    observations.set(this.observationData);
    this.observationData = observations;
    this.allocateActions(grown);
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
    const { observations } = this.toDataset();
    return {
      format: FORMAT,
      version: DEMONSTRATIONS_VERSION,
      observationSize: this.observationSize,
      actionSpace: this.actionSpace,
      episodes: this.finished.map((e) => ({ ...e })),
      observations: Array.from(observations),
      actions: this.actionNumbers(),
    };
  }

  /** Every recorded action word as a plain number: a hybrid row's first D read as f32, the rest as u32. */
  private actionNumbers(): number[] {
    const W = this.actionSize;
    const D = this.continuousDims;
    const floats = this.actionFloats;
    const words = this.actionData;
    return Array.from({ length: this.count * W }, (_, i) => (floats && i % W < D ? floats[i]! : words[i]!));
  }

  /** Rebuilds a recorder from toJSON()'s object or its JSON text, checking every field and value. */
  static fromJSON(input: string | DemonstrationsJson): Demonstrations {
    const json = (typeof input === 'string' ? JSON.parse(input) : input) as Partial<DemonstrationsJson> | null;
    if (typeof json !== 'object' || json === null) fail('json', json, 'an object from Demonstrations.toJSON()');
    if (json.format !== FORMAT) fail('json.format', json.format, `'${FORMAT}'`);
    if (!isPositiveInteger(json.version) || json.version > DEMONSTRATIONS_VERSION) {
      fail('json.version', json.version, `an integer in [1, ${DEMONSTRATIONS_VERSION}] (this engine reads up to version ${DEMONSTRATIONS_VERSION})`);
    }
    const demonstrations = new Demonstrations({ observationSize: json.observationSize as number, actionSpace: json.actionSpace as DemonstrationsConfig['actionSpace'] });
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
    // A hybrid row is stored flat, its D continuous values then its K branch indices.
    const D = demonstrations.continuousDims;
    for (let r = 0; r < rows; r += 1) {
      const row = actions.slice(r * A, (r + 1) * A);
      demonstrations.record(observations.slice(r * OBS, (r + 1) * OBS), demonstrations.actionFloats ? { continuous: row.slice(0, D), discrete: row.slice(D) } : row);
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
