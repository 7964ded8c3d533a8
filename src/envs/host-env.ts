/**
 * Host environments: game logic written in JavaScript, N instances stepped on the CPU, behind the
 * same buffers a GPU VectorEnv exposes, so the policy, rollout and training kernels cannot tell the
 * difference.
 *
 * This is the one documented exception to "nothing leaves the GPU" (docs/ARCHITECTURE.md): each step reads
 * the actions back (one batched copy of all N) and uploads the results (one writeBuffer per buffer,
 * all N at once). Semantics are the GPU wrapper's (shaders/envs/env_wrapper.wgsl): terminated and
 * truncated kept apart (both may be 1, as in Gymnasium's TimeLimit), truncation when an episode
 * reaches maxEpisodeSteps, the pre-reset observation of every env in finalObservations, auto-reset,
 * and the ended episode's return and length (0 where none ended).
 *
 * Example, a coin flip that ends after a head:
 * ```ts
 * const coin: HostEnv = {
 *   name: 'coin', observationSize: 1, actionSpace: { kind: 'discrete', n: 2 }, maxEpisodeSteps: 10,
 *   reset: () => [0],
 *   step: (env, action, random) => {
 *     const head = random() < 0.5;
 *     return { observation: [head ? 1 : 0], reward: head === (action === 1) ? 1 : 0, terminated: head };
 *   },
 * };
 * const envs = await createHostVectorEnv(device, coin, { numEnvs: 64, seed: 1 });
 * envs.reset();
 * // each step: encode policy kernels that write envs.buffers.actions, submit, then
 * await envs.step();
 * ```
 */
import { createBuffer, destroyBuffer, STORAGE_USAGE } from '../gpu/buffers';
import { ReadbackRing, readBufferOnce, type ReadbackTicket } from '../gpu/readback';
import { philox4x32, uniformFromBits } from '../rng/philox-cpu';
import { ENV_RESET_PHASE, ENV_STREAM } from './kernels';
import type { ShaderPart } from '../gpu/shaders';
import type { ActionSpace, EnvDescriptor, VectorEnvSnapshot } from './types';

/** The next uniform in (0, 1) of one env's stream (Philox; reproducible from the seed). */
export type HostRandom = () => number;

/** What one instance's step returns. */
export interface HostEnvStepResult {
  /** observationSize finite numbers (stored as f32: values beyond f32's range are rejected too). */
  observation: ArrayLike<number>;
  /** The step's reward: a finite number (stored as f32). */
  reward: number;
  /** The instance reached a terminal state (no bootstrapping from it). */
  terminated: boolean;
}

/**
 * A game written in JavaScript, as the adapter drives it. Instances are addressed by index
 * 0 … numEnvs − 1; the game keeps their state (an array of game objects, typically).
 */
export interface HostEnv {
  /** Shown in errors (default 'host env'). */
  name?: string;
  /** Floats per observation. */
  observationSize: number;
  /** Discrete actions arrive as integers 0 … n − 1; box actions as a Float32Array clipped to the bounds. */
  actionSpace: ActionSpace;
  /** Episodes are truncated when they reach this many steps (Gymnasium's TimeLimit). */
  maxEpisodeSteps: number;
  /** Starts a fresh episode of instance `env`; returns its first observation. */
  reset(env: number, random: HostRandom): ArrayLike<number>;
  /**
   * One step of instance `env`. A box action is a view into the adapter's memory, valid during the
   * call only (copy it to keep it).
   */
  step(env: number, action: number | Float32Array, random: HostRandom): HostEnvStepResult;
}

export interface HostVectorEnvOptions {
  /** Number of game instances (a positive integer). */
  numEnvs: number;
  /** Seed of the `random` streams handed to reset and step (a u32). */
  seed: number;
  /** Overrides hostEnv.maxEpisodeSteps for this run. */
  maxEpisodeSteps?: number;
}

/** A host-side copy of the adapter's buffers: a VectorEnv snapshot without internal states. */
export type HostVectorEnvSnapshot = Omit<VectorEnvSnapshot, 'states' | 'nextStates'>;

/** The buffers of a host vector env: the VectorEnv buffers that make sense without a WGSL state. */
export type HostEnvBufferName = keyof HostVectorEnvSnapshot | 'actions';

/**
 * N instances of a HostEnv behind GPU buffers. `buffers` has the VectorEnv names: observations
 * [N][OBS] f32, actions (u32 [N] discrete / f32 [N][size] box), rewards [N] f32, terminated and
 * truncated [N] u32, finalObservations [N][OBS], episodeReturns [N] f32, episodeLengths,
 * stepCounts, episodeIndices [N] u32. There is no encodeStep/encodeReset: a host step cannot run
 * inside a command buffer, so it is `await step()` between submits.
 */
export interface HostVectorEnv {
  readonly hostEnv: HostEnv;
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly maxEpisodeSteps: number;
  readonly buffers: Readonly<Record<HostEnvBufferName, GPUBuffer>>;
  /**
   * CPU copies of what the last reset() or step() uploaded (live arrays, overwritten by the next
   * call): a game can render from them without a readback.
   */
  readonly latest: Readonly<HostVectorEnvSnapshot>;
  /** Resets every instance (a new episode each, step count 0) and uploads the observations. */
  reset(): void;
  /**
   * Records the copy of `buffers.actions` to the CPU in the caller's encoder, right after the
   * kernels that write the actions; submit it before awaiting step(). Optional: step() records and
   * submits its own copy when none is pending.
   */
  encodeActionReadback(encoder: GPUCommandEncoder): void;
  /** Reads the actions back (one copy), steps every instance on the CPU, auto-resets, uploads. */
  step(): Promise<void>;
  /** Tests and scripted play: writes all N actions into `buffers.actions`. */
  writeActions(actions: Uint32Array | Float32Array): void;
  /** Reads every buffer back (readBufferOnce: tests and tools only). */
  read(): Promise<HostVectorEnvSnapshot>;
  destroy(): void;
}

/**
 * The host envs' randomness is keyed exactly as the GPU wrapper's (shaders/envs/env_rng.wgsl): key
 * (seed, ENV_STREAM), counter (block, env, phase, episode), phase = the step of the episode being
 * taken or ENV_RESET_PHASE for the reset that starts it. A JavaScript port of a WGSL env that draws
 * in the same order therefore replays the GPU env's episodes from the same seed.
 */
/** One env's stream of uniforms for one (phase, episode); re-keyed before each call. */
class EnvRandomStream {
  private counter: [number, number, number, number] = [0, 0, 0, 0];
  private block: Uint32Array = new Uint32Array(4);
  private used = 4;
  readonly next: HostRandom = () => {
    if (this.used >= 4) {
      this.block = philox4x32(this.counter, this.key);
      this.counter[0] = (this.counter[0] + 1) >>> 0;
      this.used = 0;
    }
    return uniformFromBits(this.block[this.used++]!);
  };

  constructor(
    private readonly key: readonly [number, number],
    private readonly env: number,
  ) {}

  start(phase: number, episode: number): HostRandom {
    this.counter = [0, this.env, phase, episode];
    this.used = 4;
    return this.next;
  }
}

const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;

/** Throws naming the field unless `env` is a usable HostEnv (sizes, action space, functions). */
export function validateHostEnv(env: HostEnv, name: string): void {
  if (!positiveInteger(env.observationSize)) {
    throw new RangeError(`${name}: observationSize must be a positive integer (got ${env.observationSize})`);
  }
  const space = env.actionSpace;
  if (space?.kind === 'discrete') {
    if (!positiveInteger(space.n)) throw new RangeError(`${name}: actionSpace.n must be a positive integer (got ${space.n})`);
  } else if (space?.kind === 'box') {
    if (!positiveInteger(space.size)) throw new RangeError(`${name}: actionSpace.size must be a positive integer (got ${space.size})`);
    if (space.low.length !== space.size || space.high.length !== space.size) {
      throw new RangeError(`${name}: actionSpace.low and .high need ${space.size} bounds each (got ${space.low.length} and ${space.high.length})`);
    }
    space.low.forEach((low, i) => {
      if (!(low <= space.high[i]!)) throw new RangeError(`${name}: actionSpace bounds of dimension ${i} are empty or not numbers (low ${low}, high ${space.high[i]})`);
    });
  } else {
    throw new TypeError(`${name}: actionSpace must be { kind: 'discrete', n } or { kind: 'box', size, low, high } (got ${JSON.stringify(space)})`);
  }
  if (typeof env.reset !== 'function' || typeof env.step !== 'function') {
    throw new TypeError(`${name}: reset(env, random) and step(env, action, random) must be functions`);
  }
}

/**
 * Creates N instances of `hostEnv` behind GPU buffers (allocated here, once). Call reset() before
 * the first step().
 */
export async function createHostVectorEnv(
  device: GPUDevice,
  hostEnv: HostEnv,
  options: HostVectorEnvOptions,
): Promise<HostVectorEnv> {
  const name = `host env '${hostEnv.name ?? 'host env'}'`;
  validateHostEnv(hostEnv, name);
  const { numEnvs, seed } = options;
  if (!positiveInteger(numEnvs)) throw new RangeError(`${name}: numEnvs must be a positive integer (got ${numEnvs})`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${name}: seed must be an integer in [0, 4294967295] (got ${seed})`);
  }
  const maxEpisodeSteps = options.maxEpisodeSteps ?? hostEnv.maxEpisodeSteps;
  if (!positiveInteger(maxEpisodeSteps)) throw new RangeError(`${name}: maxEpisodeSteps must be a positive integer (got ${maxEpisodeSteps})`);
  return new HostVectorEnvImpl(device, hostEnv, name, numEnvs, seed, maxEpisodeSteps);
}

class HostVectorEnvImpl implements HostVectorEnv {
  readonly observationSize: number;
  readonly buffers: Readonly<Record<HostEnvBufferName, GPUBuffer>>;
  readonly latest: HostVectorEnvSnapshot;
  private readonly actionSize: number;
  private readonly actionBytes: ArrayBuffer;
  private readonly boxActions: Float32Array[] = [];
  private readonly runningReturns: Float64Array;
  private readonly randoms: EnvRandomStream[];
  private readonly ring: ReadbackRing;
  private pending: ReadbackTicket | null = null;
  private ready = false;
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    readonly hostEnv: HostEnv,
    private readonly name: string,
    readonly numEnvs: number,
    seed: number,
    readonly maxEpisodeSteps: number,
  ) {
    const n = numEnvs;
    const obs = (this.observationSize = hostEnv.observationSize);
    const space = hostEnv.actionSpace;
    this.actionSize = space.kind === 'box' ? space.size : 1;
    this.latest = {
      observations: new Float32Array(n * obs),
      rewards: new Float32Array(n),
      terminated: new Uint32Array(n),
      truncated: new Uint32Array(n),
      finalObservations: new Float32Array(n * obs),
      episodeReturns: new Float32Array(n),
      episodeLengths: new Uint32Array(n),
      stepCounts: new Uint32Array(n),
      // The first reset() starts episode 0, as on the GPU.
      episodeIndices: new Uint32Array(n).fill(0xffffffff),
    };
    this.actionBytes = new ArrayBuffer(4 * n * this.actionSize);
    if (space.kind === 'box') {
      for (let i = 0; i < n; i += 1) this.boxActions.push(new Float32Array(this.actionSize));
    }
    this.runningReturns = new Float64Array(n);
    this.randoms = Array.from({ length: n }, (_, env) => new EnvRandomStream([seed, ENV_STREAM], env));

    const label = `host-env.${hostEnv.name ?? 'env'}`;
    const made: Partial<Record<HostEnvBufferName, GPUBuffer>> = {};
    try {
      for (const [key, array] of Object.entries(this.latest)) {
        made[key as HostEnvBufferName] = createBuffer(device, { label: `${label}.${key}`, size: array.byteLength, usage: STORAGE_USAGE() });
      }
      made.actions = createBuffer(device, { label: `${label}.actions`, size: this.actionBytes.byteLength, usage: STORAGE_USAGE() });
      this.ring = new ReadbackRing(device, { label: `${label}.actions-readback`, byteLength: this.actionBytes.byteLength, slots: 1 });
    } catch (error) {
      for (const buffer of Object.values(made)) destroyBuffer(device, buffer);
      throw error;
    }
    this.buffers = made as Record<HostEnvBufferName, GPUBuffer>;
  }

  reset(): void {
    this.assertAlive();
    const { latest } = this;
    this.ready = false;
    for (let env = 0; env < this.numEnvs; env += 1) this.resetEnv(env, 'reset()');
    latest.rewards.fill(0);
    latest.terminated.fill(0);
    latest.truncated.fill(0);
    latest.finalObservations.set(latest.observations);
    latest.episodeReturns.fill(0);
    latest.episodeLengths.fill(0);
    this.ready = true;
    this.upload();
  }

  encodeActionReadback(encoder: GPUCommandEncoder): void {
    this.assertAlive();
    if (this.pending) throw new Error(`${this.name}: an action readback is already pending; await step() first`);
    this.pending = this.ring.record(encoder, this.buffers.actions);
  }

  async step(): Promise<void> {
    this.assertAlive();
    if (!this.ready) throw new Error(`${this.name}: call reset() before step() (and again after a step threw)`);
    if (!this.pending) {
      const encoder = this.device.createCommandEncoder({ label: `${this.name}.actions-readback` });
      this.pending = this.ring.record(encoder, this.buffers.actions);
      this.device.queue.submit([encoder.finish()]);
    }
    const ticket = this.pending!;
    this.pending = null;
    new Uint8Array(this.actionBytes).set(new Uint8Array(await this.ring.collect(ticket)));
    // Until this step finishes cleanly the instances may be half-stepped: a throw needs reset().
    this.ready = false;
    this.stepAll();
    this.ready = true;
    this.upload();
  }

  writeActions(actions: Uint32Array | Float32Array): void {
    this.assertAlive();
    const expected = this.numEnvs * this.actionSize;
    const wanted = this.hostEnv.actionSpace.kind === 'discrete' ? 'Uint32Array' : 'Float32Array';
    if (actions.length !== expected || actions.constructor.name !== wanted) {
      throw new RangeError(`${this.name}: writeActions needs a ${wanted} of ${expected} actions (got a ${actions.constructor.name} of ${actions.length})`);
    }
    this.device.queue.writeBuffer(this.buffers.actions, 0, actions.buffer, actions.byteOffset, actions.byteLength);
  }

  async read(): Promise<HostVectorEnvSnapshot> {
    this.assertAlive();
    const bytes = async (name: keyof HostVectorEnvSnapshot) => readBufferOnce(this.device, this.buffers[name]);
    return {
      observations: new Float32Array(await bytes('observations')),
      rewards: new Float32Array(await bytes('rewards')),
      terminated: new Uint32Array(await bytes('terminated')),
      truncated: new Uint32Array(await bytes('truncated')),
      finalObservations: new Float32Array(await bytes('finalObservations')),
      episodeReturns: new Float32Array(await bytes('episodeReturns')),
      episodeLengths: new Uint32Array(await bytes('episodeLengths')),
      stepCounts: new Uint32Array(await bytes('stepCounts')),
      episodeIndices: new Uint32Array(await bytes('episodeIndices')),
    };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of Object.values(this.buffers)) destroyBuffer(this.device, buffer);
    this.ring.destroy();
  }

  /** Every action checked first, so a bad one throws before any instance moves. */
  private decodeActions(): void {
    const space = this.hostEnv.actionSpace;
    if (space.kind === 'discrete') {
      const actions = new Uint32Array(this.actionBytes);
      for (let env = 0; env < this.numEnvs; env += 1) {
        if (actions[env]! >= space.n) {
          throw new RangeError(`${this.name}: action of env ${env} is ${actions[env]}, outside the ${space.n} discrete actions (valid: 0 … ${space.n - 1})`);
        }
      }
      return;
    }
    const actions = new Float32Array(this.actionBytes);
    for (let env = 0; env < this.numEnvs; env += 1) {
      const box = this.boxActions[env]!;
      for (let d = 0; d < space.size; d += 1) {
        const a = actions[env * space.size + d]!;
        if (!Number.isFinite(a)) throw new RangeError(`${this.name}: action[${d}] of env ${env} is ${a} (actions must be finite)`);
        // CleanRL's ClipAction: the game sees actions inside its bounds.
        box[d] = Math.min(Math.max(a, space.low[d]!), space.high[d]!);
      }
    }
  }

  private stepAll(): void {
    this.decodeActions();
    const { latest, numEnvs: n, observationSize: size } = this;
    const discrete = this.hostEnv.actionSpace.kind === 'discrete' ? new Uint32Array(this.actionBytes) : null;
    for (let env = 0; env < n; env += 1) {
      const phase = latest.stepCounts[env]!;
      const random = this.randoms[env]!.start(phase, latest.episodeIndices[env]!);
      const result = this.hostEnv.step(env, discrete ? discrete[env]! : this.boxActions[env]!, random);
      const reward = result?.reward;
      if (typeof reward !== 'number' || !Number.isFinite(reward) || !Number.isFinite(Math.fround(reward))) {
        throw new RangeError(`${this.name}: env ${env} returned reward ${reward} from step() (rewards must be finite numbers)`);
      }
      this.storeObservation(env, result.observation, latest.finalObservations, 'step()');
      const length = phase + 1;
      this.runningReturns[env]! += reward;
      latest.rewards[env] = reward;
      const terminated = result.terminated === true;
      // Gymnasium's TimeLimit: truncated once the episode reaches the limit, whatever terminated says.
      const truncated = length >= this.maxEpisodeSteps;
      latest.terminated[env] = terminated ? 1 : 0;
      latest.truncated[env] = truncated ? 1 : 0;
      if (terminated || truncated) {
        latest.episodeReturns[env] = this.runningReturns[env]!;
        latest.episodeLengths[env] = length;
        this.resetEnv(env, 'reset() (auto-reset)');
      } else {
        latest.episodeReturns[env] = 0;
        latest.episodeLengths[env] = 0;
        latest.stepCounts[env] = length;
        latest.observations.set(latest.finalObservations.subarray(env * size, (env + 1) * size), env * size);
      }
    }
  }

  private resetEnv(env: number, what: string): void {
    const { latest } = this;
    const episode = (latest.episodeIndices[env]! + 1) >>> 0;
    latest.episodeIndices[env] = episode;
    latest.stepCounts[env] = 0;
    this.runningReturns[env] = 0;
    const observation = this.hostEnv.reset(env, this.randoms[env]!.start(ENV_RESET_PHASE, episode));
    this.storeObservation(env, observation, latest.observations, what);
  }

  /** Copies one observation into row `env` of `target`, rejecting a wrong length and non-finite values. */
  private storeObservation(env: number, observation: ArrayLike<number>, target: Float32Array, what: string): void {
    const size = this.observationSize;
    if (!observation || observation.length !== size) {
      throw new RangeError(`${this.name}: env ${env} returned an observation of length ${observation?.length} from ${what} (expected ${size})`);
    }
    const row = env * size;
    for (let i = 0; i < size; i += 1) {
      const value = observation[i]!;
      target[row + i] = value;
      if (!Number.isFinite(target[row + i]!)) {
        const why = Number.isFinite(value) ? `${value}, which overflows float32` : `${value}`;
        throw new RangeError(`${this.name}: env ${env} returned a non-finite observation from ${what}: observation[${i}] is ${why} (observations must be finite numbers)`);
      }
    }
  }

  /** One writeBuffer per buffer, all N instances at once. */
  private upload(): void {
    const queue = this.device.queue;
    for (const [key, array] of Object.entries(this.latest) as [keyof HostVectorEnvSnapshot, Float32Array | Uint32Array][]) {
      queue.writeBuffer(this.buffers[key], 0, array.buffer, array.byteOffset, array.byteLength);
    }
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error(`${this.name} was destroyed`);
  }
}

/** An EnvDescriptor whose env is a game's JavaScript, not WGSL. */
export interface HostEnvDescriptor extends EnvDescriptor {
  readonly host: HostEnv;
}

/** Whether `env` looks like a HostEnv (reset and step functions) rather than an id or a WGSL descriptor. */
export function isHostEnv(env: unknown): env is HostEnv {
  return typeof env === 'object' && env !== null && typeof (env as HostEnv).step === 'function' && typeof (env as HostEnv).reset === 'function';
}

export function isHostEnvDescriptor(descriptor: EnvDescriptor): descriptor is HostEnvDescriptor {
  return (descriptor as Partial<HostEnvDescriptor>).host !== undefined;
}

const NO_BODY: ShaderPart = { name: 'host env', code: '' };

/** The descriptor of a game's JavaScript env: its spaces and step limit; no WGSL, no state names. */
export function hostEnvDescriptor(env: HostEnv): HostEnvDescriptor {
  const id = env.name ?? 'host env';
  validateHostEnv(env, `host env '${id}'`);
  const size = env.observationSize;
  if (!Number.isInteger(env.maxEpisodeSteps) || env.maxEpisodeSteps < 1) {
    throw new RangeError(`host env '${id}': maxEpisodeSteps must be a positive integer (got ${env.maxEpisodeSteps})`);
  }
  return {
    id,
    aliases: [],
    body: NO_BODY,
    observationSpace: { kind: 'box', size, low: new Array<number>(size).fill(-Infinity), high: new Array<number>(size).fill(Infinity) },
    actionSpace: env.actionSpace,
    stateNames: [],
    params: {},
    maxEpisodeSteps: env.maxEpisodeSteps,
    host: env,
  };
}
