/**
 * The rows of a game with seats (./seated-host-env.ts): the game as a BatchedHostEnv over M·K
 * rows, seat-major in a given seat order, with the matches' bookkeeping (seats that are out, whole
 * matches ending and restarting). Loaded by createHostVectorEnv with the first game with seats.
 */
import type { BatchedHostEnv, HostEnvBatch } from './batched-host-env';
import type { SeatBatch, SeatedHostEnv, SeatOrder } from './seated-host-env';
import { maskWidth } from './types';

/** Throws naming the field unless `env`'s functions are usable (its seats and shape are checked with its descriptor). */
export function checkSeatFunctions(env: SeatedHostEnv, name: string): void {
  if (typeof env.resetBatch !== 'function' || typeof env.stepBatch !== 'function') {
    throw new TypeError(`${name}: a game with seats needs resetBatch(batch, instances) and stepBatch(batch) functions`);
  }
  if (env.releaseBatch !== undefined && typeof env.releaseBatch !== 'function') {
    throw new TypeError(`${name}: releaseBatch must be a function of the batch, or left out (got ${typeof env.releaseBatch})`);
  }
}

/**
 * `game` as the engine drives a host env: a BatchedHostEnv over M·K rows (`numEnvs` counts rows, a
 * multiple of K), stepped whole (a range of rows is not a range of matches).
 */
export function seatedBatchedEnv(game: SeatedHostEnv, order: SeatOrder = identityOrder(game.seats)): BatchedHostEnv {
  const name = `host env '${game.name ?? 'host env'}'`;
  checkSeatOrder(order, game.seats, name);
  const views = new WeakMap<HostEnvBatch, SeatView>();
  const view = (batch: HostEnvBatch) => {
    let v = views.get(batch);
    if (!v) views.set(batch, (v = new SeatView(batch, game, order, name)));
    return v;
  };
  return {
    name: game.name ?? 'host env',
    observationSize: game.observationSize,
    actionSpace: game.actionSpace,
    maxEpisodeSteps: game.maxEpisodeSteps,
    ...(game.actionMasks !== undefined ? { actionMasks: game.actionMasks } : {}),
    ...(game.episodeMetrics !== undefined ? { episodeMetrics: game.episodeMetrics } : {}),
    resetBatch: (batch, rows) => view(batch).reset(rows),
    stepBatch: (batch) => view(batch).step(),
    ...(game.releaseBatch ? { releaseBatch: (batch: HostEnvBatch) => game.releaseBatch!(view(batch)) } : {}),
  };
}

const identityOrder = (seats: number): number[] => Array.from({ length: seats }, (_, s) => s);

function checkSeatOrder(order: SeatOrder, seats: number, name: string): void {
  const seen = new Set(order);
  if (order.length !== seats || seen.size !== seats || order.some((s) => !(Number.isInteger(s) && s >= 0 && s < seats))) {
    throw new RangeError(`${name}: the seat order must list each seat 0 … ${seats - 1} once (got [${order.join(', ')}])`);
  }
}

/** The game's view of one run's engine batch: rows by seat, the seats that are out, the matches. */
class SeatView implements SeatBatch {
  readonly numInstances: number;
  readonly seats: number;
  readonly terminated: Uint32Array;
  readonly truncated: Uint32Array;
  // The engine's arrays, which the game writes directly.
  readonly actions: Uint32Array | Float32Array;
  readonly discreteActions: Uint32Array;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly masks: Uint32Array;
  readonly episodeMetrics: Float32Array;
  /** Row → 1 while its seat is out of a match that goes on. */
  private readonly out: Uint8Array;
  /** block[seat]: the seat's block of rows (its place in the order). */
  private readonly block: Uint32Array;
  /** The instances of the rows resetBatch was given, in the order of their first row. */
  private readonly restarted: Uint32Array;
  private readonly allLegal: Uint32Array;

  constructor(
    private readonly engine: HostEnvBatch,
    private readonly game: SeatedHostEnv,
    order: SeatOrder,
    private readonly name: string,
  ) {
    const K = (this.seats = game.seats);
    if (engine.numEnvs % K !== 0) {
      throw new RangeError(`${name}: numEnvs counts seats, so it must be a multiple of seats = ${K} (got ${engine.numEnvs})`);
    }
    const M = (this.numInstances = engine.numEnvs / K);
    ({ actions: this.actions, discreteActions: this.discreteActions, observations: this.observations, rewards: this.rewards, masks: this.masks, episodeMetrics: this.episodeMetrics } = engine);
    this.terminated = new Uint32Array(engine.numEnvs);
    this.truncated = new Uint32Array(engine.numEnvs);
    this.out = new Uint8Array(engine.numEnvs);
    this.block = new Uint32Array(K);
    order.forEach((seat, p) => (this.block[seat] = p));
    this.restarted = new Uint32Array(M);
    this.allLegal = new Uint32Array(game.actionMasks ? maskWidth(game.actionSpace) : 0).fill(1);
  }

  row(instance: number, seat: number): number {
    return this.block[seat]! * this.numInstances + instance;
  }

  random(instance: number): number {
    if (!(Number.isInteger(instance) && instance >= 0 && instance < this.numInstances)) {
      throw new RangeError(`${this.name}: random(${instance}) names no instance (valid: integers 0 … ${this.numInstances - 1})`);
    }
    // The instance's stream is its first row's.
    return this.engine.random(instance);
  }

  /** The engine restarts rows; every seat of a match ends with it, so they come K to an instance. */
  reset(rows: Uint32Array): void {
    const M = this.numInstances;
    let count = 0;
    for (const row of rows) {
      this.out[row] = 0;
      if (row < M) this.restarted[count++] = row;
    }
    if (count * this.seats !== rows.length) {
      throw new Error(`${this.name}: internal: the engine restarted ${rows.length} rows, not every seat of ${count} matches`);
    }
    this.game.resetBatch(this, this.restarted.subarray(0, count));
  }

  /** One step of every match; then the engine's flags say which matches ended. */
  step(): void {
    const { engine, terminated, truncated } = this;
    terminated.fill(0);
    truncated.set(engine.truncated);
    this.game.stepBatch(this);
    for (let i = 0; i < this.numInstances; i += 1) this.settleMatch(i);
  }

  /** Plays out the seats that are out, and flags the rows of a match that ended. */
  private settleMatch(i: number): void {
    const { engine, out, terminated, truncated } = this;
    let allOut = true;
    let cut = false;
    for (let s = 0; s < this.seats; s += 1) {
      const r = this.row(i, s);
      this.checkFlags(i, s, r);
      if (out[r] === 1) {
        // Out before this step: whatever the game wrote for it is dropped.
        engine.rewards[r] = 0;
      } else if (terminated[r] === 1) {
        out[r] = 1;
      } else {
        allOut = false;
      }
      if (out[r] === 1) this.blank(r);
      if (truncated[r] === 1) cut = true;
    }
    const ended = allOut || cut;
    for (let s = 0; s < this.seats; s += 1) {
      const r = this.row(i, s);
      engine.terminated[r] = ended && out[r] === 1 ? 1 : 0;
      engine.truncated[r] = ended && out[r] === 0 ? 1 : 0;
    }
  }

  /** The game's flags for a seat are 0 or 1 (the engine checks everything else it wrote). */
  private checkFlags(i: number, s: number, r: number): void {
    // Called for every seat of every step: no arrays made here.
    const bad = this.terminated[r]! > 1 ? 'terminated' : this.truncated[r]! > 1 ? 'truncated' : null;
    if (bad) throw new RangeError(`${this.name}: instance ${i}, seat ${s} wrote ${bad}[${r}] = ${this[bad][r]} in stepBatch (flags must be 0 or 1)`);
  }

  /** A seat that is out: zero observation, every action legal. */
  private blank(r: number): void {
    const obs = this.game.observationSize;
    this.engine.observations.fill(0, r * obs, (r + 1) * obs);
    const width = this.allLegal.length;
    if (width > 0) this.engine.masks.set(this.allLegal, r * width);
  }
}
