/**
 * Snake-v0 in JavaScript: the rules of shaders/envs/snake.wgsl (its header states them) over the
 * same State layout, drawing the host env's randomness in the same order (4 uniforms per reset, 1
 * per step), so that createHostVectorEnv over SnakeHost replays the WGSL env from the same seed.
 *
 * The game logic is pure functions over one state row (STATE floats: head_x, head_y, heading,
 * length, apple, apples, won, cells[64]); SnakeHost keeps every instance's row in one Float32Array
 * [N][STATE], so a batched wrapper can step the rows in place. Every value the WGSL computes in
 * f32 is rounded to f32 here (Math.fround) where rounding can occur: positions and counts are small
 * integers (exact), rewards are sums of f32 products.
 */
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import type { HostEnv, HostEnvStepResult, HostRandom } from '../../src/envs/host-env';
import { snakeEnv } from '../../src/envs/builtin/snake';

export const SNAKE_STATE_SIZE = 71;
export const SNAKE_OBS_SIZE = 11;
export const SNAKE_MASK_SIZE = 4;
export const SNAKE_METRIC_COUNT = 2;

/** Offsets of the scalar fields in a state row; the cells start at CELLS. */
export const HEAD_X = 0;
export const HEAD_Y = 1;
export const HEADING = 2;
export const LENGTH = 3;
export const APPLE = 4;
export const APPLES = 5;
export const WON = 6;
export const CELLS = 7;

const START_LENGTH = 3;
const MIN_SIDE = 4;
const MAX_SIDE = 8;

/** The EnvParams of shaders/envs/snake.wgsl, by their WGSL names. */
export interface SnakeParams {
  board_width: number;
  board_height: number;
  apple_reward: number;
  death_penalty: number;
  shaping_coef: number;
}

export const SNAKE_DEFAULTS: Readonly<SnakeParams> = snakeEnv.params as unknown as SnakeParams;

/** The board's sides as the WGSL clamps them. */
export function boardSize(params: SnakeParams): { width: number; height: number } {
  const side = (value: number) => Math.min(Math.max(value, MIN_SIDE), MAX_SIDE);
  return { width: side(params.board_width), height: side(params.board_height) };
}

/** [dx, dy] of direction 0 up, 1 right, 2 down, 3 left (y grows downwards). */
export const DIRECTIONS: readonly (readonly [number, number])[] = [[0, -1], [1, 0], [0, 1], [-1, 0]];

/** The k-th of n choices from one uniform: (u·2^24 · n) >> 24, exact in float64 as in u32. */
export function snakePick(u: number, n: number): number {
  return Math.floor((Math.floor(u * 16777216) * n) / 16777216);
}

/** Whether moving the head to (x, y) kills: off the board, or onto a body cell other than the tail. */
export function snakeDeadly(state: Float32Array, params: SnakeParams, x: number, y: number): boolean {
  const { width, height } = boardSize(params);
  if (x < 0 || y < 0 || x >= width || y >= height) return true;
  return state[CELLS + y * width + x]! > 1;
}

/** The index of the k-th empty cell (row-major), −1 when there are not k + 1 of them. */
export function snakeFreeCell(state: Float32Array, k: number, cellCount: number): number {
  let seen = 0;
  for (let i = 0; i < cellCount; i += 1) {
    if (state[CELLS + i] === 0) {
      if (seen === k) return i;
      seen += 1;
    }
  }
  return -1;
}

/** Writes a fresh episode's state into `state` (4 draws: heading, along, across, apple). */
export function snakeReset(state: Float32Array, params: SnakeParams, random: HostRandom): void {
  const { width, height } = boardSize(params);
  const heading = snakePick(random(), 4);
  const [fx, fy] = DIRECTIONS[heading]!;
  const horizontal = fx !== 0;
  const alongSide = horizontal ? width : height;
  const acrossSide = horizontal ? height : width;
  // Room for the two body cells behind the head and one free cell ahead of it.
  const along = snakePick(random(), alongSide - 3) + (fx + fy > 0 ? 2 : 1);
  const across = snakePick(random(), acrossSide);
  const [hx, hy] = horizontal ? [along, across] : [across, along];
  state.fill(0);
  state[HEAD_X] = hx;
  state[HEAD_Y] = hy;
  state[HEADING] = heading;
  state[LENGTH] = START_LENGTH;
  for (let i = 0; i < START_LENGTH; i += 1) state[CELLS + (hy - fy * i) * width + (hx - fx * i)] = START_LENGTH - i;
  const cellCount = width * height;
  state[APPLE] = snakeFreeCell(state, snakePick(random(), cellCount - START_LENGTH), cellCount);
}

/** One step of `state` in place (1 draw); the reward is the f32 the WGSL computes. */
export function snakeStep(state: Float32Array, action: number, params: SnakeParams, random: HostRandom): { reward: number; terminated: boolean } {
  const { width, height } = boardSize(params);
  const cellCount = width * height;
  const spawn = random();
  const direction = Math.min(action, 3);
  const hx = state[HEAD_X]!;
  const hy = state[HEAD_Y]!;
  const tx = hx + DIRECTIONS[direction]![0];
  const ty = hy + DIRECTIONS[direction]![1];
  if (snakeDeadly(state, params, tx, ty)) return { reward: -Math.fround(params.death_penalty), terminated: true };

  const apple = state[APPLE]!;
  const ax = apple % width;
  const ay = Math.trunc(apple / width);
  const target = ty * width + tx;
  const eats = target === apple;
  if (eats) {
    state[LENGTH]! += 1;
    state[APPLES]! += 1;
  } else {
    for (let i = 0; i < cellCount; i += 1) state[CELLS + i] = Math.max(state[CELLS + i]! - 1, 0);
  }
  state[CELLS + target] = state[LENGTH]!;
  state[HEAD_X] = tx;
  state[HEAD_Y] = ty;
  state[HEADING] = direction;

  const closer = Math.abs(ax - hx) + Math.abs(ay - hy) - Math.abs(ax - tx) - Math.abs(ay - ty);
  let reward = Math.fround(Math.fround(params.shaping_coef) * closer);
  let terminated = false;
  if (eats) {
    reward = Math.fround(reward + Math.fround(params.apple_reward));
    const free = cellCount - state[LENGTH]!;
    if (free === 0) {
      state[APPLE] = -1;
      state[WON] = 1;
      terminated = true;
    } else {
      state[APPLE] = snakeFreeCell(state, snakePick(spawn, free), cellCount);
    }
  }
  return { reward, terminated };
}

/** The observation of `state` (OBS_SIZE floats) into `out`. */
export function snakeObservation(state: Float32Array, params: SnakeParams, out: Float32Array): Float32Array {
  const { width, height } = boardSize(params);
  const hx = state[HEAD_X]!;
  const hy = state[HEAD_Y]!;
  const apple = state[APPLE]!;
  out[0] = apple >= 0 ? ((apple % width) - hx) / (width - 1) : 0;
  out[1] = apple >= 0 ? (Math.trunc(apple / width) - hy) / (height - 1) : 0;
  for (let d = 0; d < 4; d += 1) {
    out[2 + d] = snakeDeadly(state, params, hx + DIRECTIONS[d]![0], hy + DIRECTIONS[d]![1]) ? 1 : 0;
    out[6 + d] = state[HEADING] === d ? 1 : 0;
  }
  out[10] = (2 * state[LENGTH]!) / (width * height) - 1;
  return out;
}

/**
 * The action mask of `state` into `out` (MASK_SIZE words): every direction that does not die this
 * step, or, when each of them dies, every direction but the reverse of the heading.
 */
export function snakeMask(state: Float32Array, params: SnakeParams, out: Uint32Array | number[], offset = 0): void {
  let legal = 0;
  for (let d = 0; d < 4; d += 1) {
    const deadly = snakeDeadly(state, params, state[HEAD_X]! + DIRECTIONS[d]![0], state[HEAD_Y]! + DIRECTIONS[d]![1]);
    out[offset + d] = deadly ? 0 : 1;
    legal += deadly ? 0 : 1;
  }
  if (legal > 0) return;
  for (let d = 0; d < 4; d += 1) out[offset + d] = 1;
  out[offset + ((state[HEADING]! + 2) % 4)] = 0;
}

/** The episode metrics of a final `state` into `out` (METRIC_COUNT floats): apples, won. */
export function snakeMetrics(state: Float32Array, out: Float32Array | number[], offset = 0): void {
  out[offset] = state[APPLES]!;
  out[offset + 1] = state[WON]!;
}

/**
 * N Snake games as a HostEnv: every instance's state a row of `states` ([N][STATE_SIZE] f32,
 * the layout of the WGSL env's states buffer).
 */
export class SnakeHost implements HostEnv {
  readonly name = 'snake-js';
  readonly observationSize = SNAKE_OBS_SIZE;
  readonly actionSpace = snakeEnv.actionSpace;
  readonly episodeMetrics = snakeEnv.episodeMetrics!;
  readonly states: Float32Array;
  readonly params: SnakeParams;
  private readonly observation = new Float32Array(SNAKE_OBS_SIZE);

  constructor(
    readonly numEnvs: number,
    params: Partial<SnakeParams> = {},
    readonly maxEpisodeSteps = snakeEnv.maxEpisodeSteps,
  ) {
    this.states = new Float32Array(numEnvs * SNAKE_STATE_SIZE);
    this.params = { ...SNAKE_DEFAULTS, ...params };
  }

  /** Instance `env`'s state row (a view into `states`). */
  row(env: number): Float32Array {
    return this.states.subarray(env * SNAKE_STATE_SIZE, (env + 1) * SNAKE_STATE_SIZE);
  }

  reset(env: number, random: HostRandom): Float32Array {
    snakeReset(this.row(env), this.params, random);
    return snakeObservation(this.row(env), this.params, this.observation);
  }

  step(env: number, action: number | Float32Array, random: HostRandom): HostEnvStepResult {
    const { reward, terminated } = snakeStep(this.row(env), action as number, this.params, random);
    return { observation: snakeObservation(this.row(env), this.params, this.observation), reward, terminated };
  }

  /** Instance `env`'s action mask into `out` (MASK_SIZE words at `offset`). */
  mask(env: number, out: Uint32Array | number[], offset = 0): void {
    snakeMask(this.row(env), this.params, out, offset);
  }

  /** The HostEnv form of mask(): the adapter then uploads the masks, as the WGSL env's wrapper does. */
  actionMask(env: number, mask: Uint32Array): void {
    this.mask(env, mask);
  }

  /** Instance `env`'s metrics (apples, won) into `out`, meaningful on the state an episode ended in. */
  metrics(env: number, out: Float32Array | number[], offset = 0): void {
    snakeMetrics(this.row(env), out, offset);
  }
}

/**
 * The same N games as a BatchedHostEnv, the form a game gives the engine: one call steps every
 * instance over the engine's arrays (no allocation per step: the per-instance views and random
 * closures are made once, on the first call). Masks are those of shaders/envs/snake.wgsl and the
 * metrics (apples, won) are written for the instances whose episode ends, before their reset.
 * It steps any range of instances (stepsRanges) unless constructed with `stepsRanges` false.
 */
export class SnakeBatch implements BatchedHostEnv {
  readonly name = 'snake-batched';
  readonly observationSize = SNAKE_OBS_SIZE;
  readonly actionSpace = snakeEnv.actionSpace;
  readonly actionMasks = true;
  readonly episodeMetrics = snakeEnv.episodeMetrics!;
  readonly stepsRanges: boolean;
  readonly states: Float32Array;
  readonly params: SnakeParams;
  private batch: HostEnvBatch | null = null;
  private views: { observation: Float32Array; random: HostRandom }[] = [];

  constructor(
    readonly numEnvs: number,
    params: Partial<SnakeParams> = {},
    readonly maxEpisodeSteps = snakeEnv.maxEpisodeSteps,
    stepsRanges = true,
  ) {
    this.states = new Float32Array(numEnvs * SNAKE_STATE_SIZE);
    this.params = { ...SNAKE_DEFAULTS, ...params };
    this.stepsRanges = stepsRanges;
  }

  resetBatch(batch: HostEnvBatch, instances: Uint32Array): void {
    this.bind(batch);
    for (const env of instances) {
      const state = this.row(env);
      snakeReset(state, this.params, this.views[env]!.random);
      this.observe(env, state, batch);
    }
  }

  stepBatch(batch: HostEnvBatch, from = 0, to = batch.numEnvs): void {
    this.bind(batch);
    const actions = batch.actions as Uint32Array;
    for (let env = from; env < to; env += 1) {
      const state = this.row(env);
      const { reward, terminated } = snakeStep(state, actions[env]!, this.params, this.views[env]!.random);
      batch.rewards[env] = reward;
      batch.terminated[env] = terminated ? 1 : 0;
      // Every row: the engine keeps those of the instances whose episode ends (the step limit included).
      snakeMetrics(state, batch.episodeMetrics, SNAKE_METRIC_COUNT * env);
      this.observe(env, state, batch);
    }
  }

  /** Instance `env`'s state row (a view into `states`). */
  row(env: number): Float32Array {
    return this.states.subarray(env * SNAKE_STATE_SIZE, (env + 1) * SNAKE_STATE_SIZE);
  }

  private observe(env: number, state: Float32Array, batch: HostEnvBatch): void {
    snakeObservation(state, this.params, this.views[env]!.observation);
    snakeMask(state, this.params, batch.masks, SNAKE_MASK_SIZE * env);
  }

  /** Views into the engine's arrays, made once per batch (the engine keeps one for the whole run). */
  private bind(batch: HostEnvBatch): void {
    if (this.batch === batch) return;
    this.batch = batch;
    this.views = Array.from({ length: this.numEnvs }, (_, env) => ({
      observation: batch.observations.subarray(env * SNAKE_OBS_SIZE, (env + 1) * SNAKE_OBS_SIZE),
      random: () => batch.random(env),
    }));
  }
}
