/**
 * N instances of one env stepped together on the GPU, through the generic wrapper
 * (src/envs/kernels.ts). Buffers, bind groups and pipelines are made once, in createVectorEnv;
 * encodeStep and encodeReset only record dispatches, so a rollout encodes T steps with no host
 * round trip. The read/write helpers are for tests and tools (the rollout tracer), not for a
 * training loop.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type Kernel } from '../gpu/kernel';
import { readBufferOnce } from '../gpu/readback';
import { checkEnvDescriptor, checkMaxEpisodeSteps } from './contract';
import {
  ACTION_ERRORS_BYTES,
  encodeEnvParams,
  encodeWrapperParams,
  envKernelSpecs,
  type EnvKernelSpecs,
  EPISODE_PROGRESS_BYTES,
  WRAPPER_PARAMS_BYTES,
} from './kernels';
import { actionWords } from './action-branches';
import type { OpponentPool, PolicySeat } from './opponent-pool';
import { checkHybridActionArrays, packHybridActions } from './hybrid-actions';
import { lookupEnv } from './registry';
import { maskWidth, type EnvDescriptor, type HybridActions, type HybridSpace, type VectorEnvOptions, type VectorEnvSnapshot } from './types';

/** The buffers of a VectorEnv, by the names other kernels bind them under. */
export type VectorEnvBufferName =
  | 'states'
  | 'observations'
  | 'actions'
  | 'rewards'
  | 'terminated'
  | 'truncated'
  | 'finalObservations'
  | 'nextStates'
  | 'episodeReturns'
  | 'episodeLengths'
  | 'episodeProgress'
  | 'actionErrors'
  | 'wrapperParams'
  | 'envParams';

/** The buffers a VectorEnv has only when its env asks for them. */
export interface EnvExtraBuffers {
  /** u32 [N][maskWidth]: the legal actions of each env's current observation (1 = allowed); an env with actionMasks. */
  readonly masks?: GPUBuffer;
  /** f32 [N][METRIC_COUNT]: the env's metrics of the episode that ended at the last step (0 where none did); an env with episodeMetrics. */
  readonly episodeMetrics?: GPUBuffer;
}

export interface VectorEnv {
  readonly descriptor: EnvDescriptor;
  readonly numEnvs: number;
  /** The step limit in force (the descriptor's, or options.maxEpisodeSteps). */
  readonly maxEpisodeSteps: number;
  readonly stateSize: number;
  readonly observationSize: number;
  /**
   * Words per action: 1 for a discrete env (one u32), K for a multi-discrete one (a u32 per branch),
   * ACTION_SIZE floats for a box, D + K for a hybrid one (D floats, then a u32 per branch).
   */
  readonly actionSize: number;
  /** The seed of each group of envs (options.seeds, or [options.seed]); group size numEnvs / seeds.length. */
  readonly seeds: readonly number[];
  /**
   * Device buffers other kernels bind: states [N][STATE_SIZE] f32, observations [N][OBS] f32,
   * actions (u32 [N] discrete / u32 [N][K] multi-discrete / f32 [N][ACTION_SIZE] box / [N][D + K]
   * words hybrid: D f32 then K u32 per row), rewards [N] f32, terminated [N] u32,
   * truncated [N] u32, finalObservations [N][OBS] (observation of the state each env reached this
   * step, before any auto-reset: for every env, so a truncated one can bootstrap), nextStates
   * [N][STATE_SIZE] (state after the step, before any auto-reset), episodeReturns f32 /
   * episodeLengths u32 [N] (of the episode that ended this step; 0 where none did); bookkeeping:
   * episodeProgress [N] × (length u32, episode u32, return f32, ended u32, seed u32, rng env u32,
   * 2 × padding), actionErrors (count, first env, largest action, 0), and the uniforms
   * wrapperParams and envParams; and, when the env has them, masks and episodeMetrics.
   */
  readonly buffers: Readonly<Record<VectorEnvBufferName, GPUBuffer>> & EnvExtraBuffers;
  /** Records a reset of every env (a fresh episode with fresh randomness, step count 0). */
  encodeReset(encoder: GPUCommandEncoder): void;
  /** Records one step of every env from buffers.actions, with auto-reset, in its own compute pass. */
  encodeStep(encoder: GPUCommandEncoder): void;
  /** Records one step into an open compute pass (two dispatches, four with an opponent pool), e.g. T steps in one pass. */
  dispatchStep(pass: GPUComputePassEncoder): void;
  /** The frozen policies that play the env's policy seat (options.opponentPool), when it has them. */
  readonly opponentPool?: OpponentPool;
  /** Overwrites every state ([N][STATE_SIZE]) and recomputes the observations; step counts are kept. */
  writeStates(states: Float32Array): void;
  /**
   * Overwrites every action: Uint32Array [N] for a discrete env (each < n, checked), Uint32Array
   * [N][K] for a multi-discrete one (word b < nvec[b], checked), Float32Array [N][ACTION_SIZE] for a
   * box (finite, checked; clipped to the bounds on the GPU), and for a hybrid env the two parts
   * apart, { continuous: Float32Array [N][D], discrete: Uint32Array [N][K] } (HybridActions: floats
   * finite, branch b's < nvec[b], checked), which the env interleaves into its rows of D + K words.
   */
  writeActions(actions: Uint32Array | Float32Array | HybridActions): void;
  /** Overwrites the EnvParams uniform (defaults with `params` applied); takes effect at the next submit. */
  setParams(params: Partial<Record<string, number>>): void;
  /**
   * Reads the GPU's refused-action record (actions written by a kernel, not checked on the host)
   * and clears it; throws if any step was refused since the last check.
   */
  checkActions(): Promise<void>;
  /** Copies every buffer to the host (readBufferOnce): tests and tools only. */
  read(): Promise<VectorEnvSnapshot>;
  destroy(): void;
}

/** An env count that is not a positive integer. */
function checkNumEnvs(numEnvs: number): void {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new RangeError(`numEnvs must be a positive integer (got ${numEnvs})`);
  }
}

/** The seed of each env group: `seeds` checked (u32s, their count dividing numEnvs), or [seed]. */
function checkSeeds(numEnvs: number, seed: number, seeds: readonly number[] | undefined): readonly number[] {
  if (seeds === undefined) return [seed];
  if (!Array.isArray(seeds) || seeds.length < 1 || numEnvs % seeds.length !== 0) {
    throw new RangeError(`options.seeds must be a non-empty array whose length divides numEnvs = ${numEnvs} (got length ${(seeds as unknown[] | undefined)?.length})`);
  }
  seeds.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new RangeError(`options.seeds[${i}] must be an integer in [0, 4294967295] (got ${s})`);
  });
  return Object.freeze([...seeds]);
}

const NO_ACTION_ERRORS = Uint32Array.of(0, 0xffffffff, 0, 0);

/** The wrapper's kernels; mask and metrics only when the env declares them. */
interface EnvKernels {
  readonly step: Kernel;
  readonly autoreset: Kernel;
  readonly reset: Kernel;
  readonly observe: Kernel;
  readonly mask?: Kernel;
  readonly metrics?: Kernel;
}

async function createEnvKernels(device: GPUDevice, specs: EnvKernelSpecs): Promise<EnvKernels> {
  const [step, autoreset, reset, observe] = (await Promise.all(
    [specs.step, specs.autoreset, specs.reset, specs.observe].map((spec) => createKernel(device, spec)),
  )) as [Kernel, Kernel, Kernel, Kernel];
  const mask = specs.mask ? await createKernel(device, specs.mask) : undefined;
  const metrics = specs.metrics ? await createKernel(device, specs.metrics) : undefined;
  return { step, autoreset, reset, observe, ...(mask ? { mask } : {}), ...(metrics ? { metrics } : {}) };
}

/** Every buffer of N envs (see VectorEnv.buffers), the masks and metrics only when their kernels exist. */
function createEnvBuffers(
  device: GPUDevice,
  descriptor: EnvDescriptor,
  sizes: { readonly numEnvs: number; readonly stateSize: number; readonly obsSize: number; readonly actionSize: number; readonly envParamsBytes: number },
  kernels: EnvKernels,
): { readonly buffers: VectorEnv['buffers']; destroy(): void } {
  const { numEnvs, stateSize, obsSize } = sizes;
  const floats = (count: number) => ({ size: 4 * count });
  const uniformUsage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const set = new BufferSet<VectorEnvBufferName>(device, `env.${descriptor.id}`, {
    states: floats(numEnvs * stateSize),
    observations: floats(numEnvs * obsSize),
    actions: floats(numEnvs * sizes.actionSize),
    rewards: floats(numEnvs),
    terminated: floats(numEnvs),
    truncated: floats(numEnvs),
    finalObservations: floats(numEnvs * obsSize),
    nextStates: floats(numEnvs * stateSize),
    episodeReturns: floats(numEnvs),
    episodeLengths: floats(numEnvs),
    episodeProgress: { size: EPISODE_PROGRESS_BYTES * numEnvs },
    actionErrors: { size: ACTION_ERRORS_BYTES },
    wrapperParams: { size: WRAPPER_PARAMS_BYTES, usage: uniformUsage },
    envParams: { size: sizes.envParamsBytes, usage: uniformUsage },
  });
  let extras: BufferSet<keyof EnvExtraBuffers>;
  try {
    extras = new BufferSet<keyof EnvExtraBuffers>(device, `env.${descriptor.id}`, {
      ...(kernels.mask ? { masks: floats(numEnvs * maskWidth(descriptor.actionSpace)) } : {}),
      ...(kernels.metrics ? { episodeMetrics: floats(numEnvs * (descriptor.episodeMetrics?.length ?? 0)) } : {}),
    } as Record<keyof EnvExtraBuffers, { size: number }>);
  } catch (error) {
    set.destroy();
    throw error;
  }
  return {
    buffers: { ...set.buffers, ...extras.buffers },
    destroy() {
      set.destroy();
      extras.destroy();
    },
  };
}

/**
 * The uniforms, a clear action-error record, and each env's progress words: episode index
 * 0xFFFFFFFF before the first reset, so that the first reset starts episode 0, and the RNG key
 * words (its group's seed, its index within the group), which stay as written here.
 */
function writeInitialEnvBuffers(queue: GPUQueue, b: VectorEnv['buffers'], uniforms: { wrapper: ArrayBuffer; env: ArrayBuffer }, seeds: readonly number[], numEnvs: number): void {
  queue.writeBuffer(b.wrapperParams, 0, uniforms.wrapper);
  queue.writeBuffer(b.envParams, 0, uniforms.env);
  queue.writeBuffer(b.actionErrors, 0, NO_ACTION_ERRORS);
  const progressWords = EPISODE_PROGRESS_BYTES / 4;
  const groupSize = numEnvs / seeds.length;
  const progress = new Uint32Array(progressWords * numEnvs);
  for (let n = 0; n < numEnvs; n += 1) {
    progress[progressWords * n + 1] = 0xffffffff;
    progress[progressWords * n + 4] = seeds[Math.floor(n / groupSize)]!;
    progress[progressWords * n + 5] = n % groupSize;
  }
  queue.writeBuffer(b.episodeProgress, 0, progress);
}

/** The dispatches of the wrapper's kernels over N envs, each over the buffers it binds. */
interface EnvDispatches {
  /** A step: step, auto-reset, the ended episodes' metrics, the next state's mask. */
  step(pass: GPUComputePassEncoder): void;
  /** A reset of every env, and its mask. */
  reset(pass: GPUComputePassEncoder): void;
  /** The observations (and masks) of the states as they are. */
  observe(pass: GPUComputePassEncoder): void;
}

function bindEnvKernels(k: EnvKernels, b: VectorEnv['buffers'], label: string, numEnvs: number, policySeat?: PolicySeat): EnvDispatches {
  const common = { wrapper: b.wrapperParams, env_params: b.envParams };
  const stepGroup = k.step.bind(
    { ...common, states: b.states, actions: b.actions, next_states: b.nextStates, rewards: b.rewards, terminated: b.terminated, truncated: b.truncated, episode_progress: b.episodeProgress, action_errors: b.actionErrors },
    `${label}.step.bind-group`,
  );
  const autoresetGroup = k.autoreset.bind(
    { ...common, next_states: b.nextStates, episode_progress: b.episodeProgress, states: b.states, observations: b.observations, final_observations: b.finalObservations, episode_returns: b.episodeReturns, episode_lengths: b.episodeLengths },
    `${label}.autoreset.bind-group`,
  );
  const resetGroup = k.reset.bind({ ...common, episode_progress: b.episodeProgress, states: b.states, observations: b.observations }, `${label}.reset.bind-group`);
  const observeGroup = k.observe.bind({ env_params: b.envParams, states: b.states, observations: b.observations }, `${label}.observe.bind-group`);
  const maskGroup = k.mask?.bind({ env_params: b.envParams, states: b.states, masks: b.masks! }, `${label}.mask.bind-group`);
  const metricsGroup = k.metrics?.bind(
    { env_params: b.envParams, next_states: b.nextStates, episode_progress: b.episodeProgress, episode_metrics: b.episodeMetrics! },
    `${label}.metrics.bind-group`,
  );
  const seat = policySeat?.bind(b, label, numEnvs);
  // The mask of the state the policy acts on next: after every kernel that changes `states`.
  const dispatchMask = (pass: GPUComputePassEncoder) => k.mask?.dispatch(pass, maskGroup!, numEnvs);
  return {
    step(pass) {
      // Dispatches in one pass are ordered, and each sees the storage writes of the one before.
      k.step.dispatch(pass, stepGroup, numEnvs);
      seat?.reply(pass);
      k.autoreset.dispatch(pass, autoresetGroup, numEnvs);
      seat?.opening(pass);
      k.metrics?.dispatch(pass, metricsGroup!, numEnvs);
      dispatchMask(pass);
    },
    reset(pass) {
      k.reset.dispatch(pass, resetGroup, numEnvs);
      seat?.opening(pass);
      dispatchMask(pass);
    },
    observe(pass) {
      k.observe.dispatch(pass, observeGroup, numEnvs);
      dispatchMask(pass);
    },
  };
}

/** Every buffer of the envs, copied to the host (tests and tools). */
async function readSnapshot(device: GPUDevice, b: VectorEnv['buffers'], numEnvs: number): Promise<VectorEnvSnapshot> {
  const f32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
  const u32 = async (buffer: GPUBuffer) => new Uint32Array(await readBufferOnce(device, buffer));
  const words = await u32(b.episodeProgress);
  const stride = EPISODE_PROGRESS_BYTES / 4;
  return {
    states: await f32(b.states),
    observations: await f32(b.observations),
    rewards: await f32(b.rewards),
    terminated: await u32(b.terminated),
    truncated: await u32(b.truncated),
    finalObservations: await f32(b.finalObservations),
    nextStates: await f32(b.nextStates),
    episodeReturns: await f32(b.episodeReturns),
    episodeLengths: await u32(b.episodeLengths),
    stepCounts: Uint32Array.from({ length: numEnvs }, (_, n) => words[stride * n]!),
    episodeIndices: Uint32Array.from({ length: numEnvs }, (_, n) => words[stride * n + 1]!),
    ...(b.masks ? { masks: await u32(b.masks) } : {}),
    ...(b.episodeMetrics ? { episodeMetrics: await f32(b.episodeMetrics) } : {}),
  };
}

/**
 * Creates N instances of `env` (a registered id or alias, or a descriptor such as customEnv's),
 * compiles its wrapper kernels, and allocates its buffers. The envs are not reset yet: encode a
 * reset (encodeReset) before the first step.
 */
export async function createVectorEnv(device: GPUDevice, env: string | EnvDescriptor, options: VectorEnvOptions): Promise<VectorEnv> {
  const descriptor = typeof env === 'string' ? lookupEnv(env) : env;
  const layout = checkEnvDescriptor(descriptor);
  const { numEnvs, seed } = options;
  checkNumEnvs(numEnvs);
  const maxEpisodeSteps = options.maxEpisodeSteps ?? descriptor.maxEpisodeSteps;
  checkMaxEpisodeSteps(descriptor.id, maxEpisodeSteps, 'options.maxEpisodeSteps');
  const seeds = checkSeeds(numEnvs, seed, options.seeds);
  const wrapperParams = encodeWrapperParams(seed, descriptor.actionSpace);
  const sizes = { numEnvs, maxEpisodeSteps, workgroupSize: options.workgroupSize };
  const probability = options.opponentPool ? (options.opponentPool.probability ?? 1) : 0;
  const paramsWithSeat = (params: Partial<Record<string, number>> | undefined) => withPolicySeat(descriptor, params, probability);
  const envParams = encodeEnvParams(descriptor, layout, paramsWithSeat(options.params));
  const kernels = await createEnvKernels(device, envKernelSpecs(descriptor, sizes));
  // The opponent pool's code loads with the first env that has one: a page without self-play never fetches it.
  const seat = options.opponentPool ? await (await import('./opponent-pool')).createPolicySeat(device, descriptor, options.opponentPool, sizes) : undefined;
  const { stateSize, obsSize } = layout;
  const actionSize = actionWords(descriptor.actionSpace);
  const owned = withCleanup(seat, () => createEnvBuffers(device, descriptor, { numEnvs, stateSize, obsSize, actionSize, envParamsBytes: envParams.byteLength }, kernels));
  const b = owned.buffers;
  const { queue } = device;
  writeInitialEnvBuffers(queue, b, { wrapper: wrapperParams, env: envParams }, seeds, numEnvs);
  const label = `env.${descriptor.id}`;
  const dispatch = bindEnvKernels(kernels, b, label, numEnvs, seat);
  const inPass = (encoder: GPUCommandEncoder, name: string, record: (pass: GPUComputePassEncoder) => void) => {
    seat?.checkReady();
    const pass = encoder.beginComputePass({ label: `${label}.${name}` });
    record(pass);
    pass.end();
  };

  return {
    descriptor,
    numEnvs,
    maxEpisodeSteps,
    stateSize,
    observationSize: obsSize,
    actionSize,
    seeds,
    buffers: b,
    encodeReset: (encoder) => inPass(encoder, 'reset', dispatch.reset),
    encodeStep: (encoder) => inPass(encoder, 'step', dispatch.step),
    dispatchStep: dispatch.step,
    ...(seat ? { opponentPool: seat.pool } : {}),
    writeStates(states) {
      checkStates(states, numEnvs, stateSize);
      queue.writeBuffer(b.states, 0, states as Float32Array<ArrayBuffer>);
      const encoder = device.createCommandEncoder({ label: `${label}.observe` });
      inPass(encoder, 'observe', dispatch.observe);
      queue.submit([encoder.finish()]);
    },
    writeActions: (actions) => writeCheckedActions(queue, b.actions, descriptor, { numEnvs, actionSize }, actions),
    setParams(params) {
      queue.writeBuffer(b.envParams, 0, encodeEnvParams(descriptor, layout, paramsWithSeat(params)));
    },
    async checkActions() {
      const [count, firstEnv, largest] = new Uint32Array(await readBufferOnce(device, b.actionErrors));
      queue.writeBuffer(b.actionErrors, 0, NO_ACTION_ERRORS);
      if (count === 0) return;
      throw new RangeError(refusedActionsMessage(descriptor, count!, firstEnv!, largest!));
    },
    read: () => readSnapshot(device, b, numEnvs),
    destroy() {
      owned.destroy();
      seat?.destroy();
    },
  };
}

/** `make()`, destroying `owned` if it throws. */
function withCleanup<T>(owned: { destroy(): void } | undefined, make: () => T): T {
  try {
    return make();
  } catch (error) {
    owned?.destroy();
    throw error;
  }
}

/**
 * `params` with the policy seat's probability (EnvDescriptor.policySeat) set from the env's pool;
 * the seat's parameter given by hand is refused, since the seat moves only with a pool behind it.
 */
function withPolicySeat(descriptor: EnvDescriptor, params: Partial<Record<string, number>> | undefined, probability: number): Partial<Record<string, number>> | undefined {
  const seat = descriptor.policySeat;
  if (!seat) return params;
  if (params?.[seat.param] !== undefined) {
    throw new RangeError(
      `env '${descriptor.id}': param '${seat.param}' (got ${params[seat.param]}) is set by the env's opponent pool: ` +
        'give options.opponentPool.probability instead',
    );
  }
  return { ...params, [seat.param]: probability };
}

/** VectorEnv.writeActions: `actions` checked on the host (see there), then written. */
function writeCheckedActions(
  queue: GPUQueue,
  target: GPUBuffer,
  descriptor: EnvDescriptor,
  { numEnvs, actionSize }: { readonly numEnvs: number; readonly actionSize: number },
  actions: Uint32Array | Float32Array | HybridActions,
): void {
  const space = descriptor.actionSpace;
  if (space.kind === 'hybrid') {
    checkHybridActions(descriptor.id, space, numEnvs, actions);
    queue.writeBuffer(target, 0, packHybridActions(space, numEnvs, actions));
    return;
  }
  // Anything but a typed array (a HybridActions object given to another kind of env) fails its instanceof checks.
  checkActionsOnHost(descriptor, numEnvs, actionSize, actions as Uint32Array | Float32Array);
  queue.writeBuffer(target, 0, actions as Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>);
}

/** States that are not a Float32Array of N × STATE_SIZE. */
function checkStates(states: Float32Array, numEnvs: number, stateSize: number): void {
  if (!(states instanceof Float32Array) || states.length !== numEnvs * stateSize) {
    throw new RangeError(
      `writeStates: states must be a Float32Array of numEnvs × STATE_SIZE = ${numEnvs} × ${stateSize} = ${numEnvs * stateSize} ` +
        `floats (got ${states?.constructor?.name} of length ${states?.length})`,
    );
  }
}

/** Host-side action checks: the array type and length, discrete actions < n, box actions finite. */
function checkActionsOnHost(
  descriptor: EnvDescriptor,
  numEnvs: number,
  actionSize: number,
  actions: Uint32Array | Float32Array,
): void {
  const space = descriptor.actionSpace;
  if (space.kind === 'multiDiscrete') {
    checkMultiDiscreteActions(space.nvec, numEnvs, actions);
    return;
  }
  if (space.kind === 'discrete') {
    if (!(actions instanceof Uint32Array) || actions.length !== numEnvs) {
      throw new RangeError(
        `writeActions: a discrete env takes a Uint32Array of numEnvs = ${numEnvs} actions ` +
          `(got ${actions?.constructor?.name} of length ${actions?.length})`,
      );
    }
    for (let n = 0; n < numEnvs; n += 1) {
      if (actions[n]! >= space.n) {
        throw new RangeError(`action out of range for a discrete env of ${space.n} actions: env ${n} has action ${actions[n]} (valid: 0 … ${space.n - 1})`);
      }
    }
    return;
  }
  if (!(actions instanceof Float32Array) || actions.length !== numEnvs * actionSize) {
    throw new RangeError(
      `writeActions: a continuous env takes a Float32Array of numEnvs × ACTION_SIZE = ${numEnvs} × ${actionSize} floats ` +
        `(got ${actions?.constructor?.name} of length ${actions?.length})`,
    );
  }
  for (let i = 0; i < actions.length; i += 1) {
    if (!Number.isFinite(actions[i]!)) {
      throw new RangeError(`action of env ${Math.floor(i / actionSize)}, dimension ${i % actionSize}, must be finite (got ${actions[i]})`);
    }
  }
}

/** The error of checkActions: what the step kernel refused, by the space's kind. */
function refusedActionsMessage(descriptor: EnvDescriptor, count: number, firstEnv: number, largest: number): string {
  const space = descriptor.actionSpace;
  if (space.kind === 'discrete') {
    return `action out of range for a discrete env of ${space.n} actions: ${count} env-steps got an action ≥ ${space.n} ` +
      `(first env ${firstEnv}, largest action ${largest}); those envs were not stepped`;
  }
  if (space.kind === 'multiDiscrete') {
    return `action out of range for a multi-discrete env of branches [${space.nvec.join(', ')}]: ${count} env-steps had a branch action ` +
      `≥ its branch's size (first env ${firstEnv}, largest refused action ${largest}); those envs were not stepped`;
  }
  if (space.kind === 'hybrid') {
    // The kernel records 0 as the largest action of a non-finite float, which no refused branch index is.
    const what = largest === 0
      ? 'got NaN or ±Infinity in their continuous actions'
      : `had a branch action ≥ its branch's size or a non-finite continuous action (largest refused branch action ${largest})`;
    return `refused actions for hybrid env '${descriptor.id}' of ${space.continuous.size} continuous dims and branches [${space.nvec.join(', ')}]: ` +
      `${count} env-steps ${what} (first env ${firstEnv}); those envs were not stepped`;
  }
  return `non-finite action for env '${descriptor.id}': ${count} env-steps got NaN or ±Infinity (first env ${firstEnv}); ` +
    'those envs were not stepped';
}

/**
 * A hybrid env takes { continuous: f32 [numEnvs][D], discrete: u32 [numEnvs][K] }: every float
 * finite (the GPU clips it to the box), branch b's action below nvec[b].
 */
function checkHybridActions(env: string, space: HybridSpace, numEnvs: number, actions: unknown): asserts actions is HybridActions {
  const what = `writeActions on '${env}'`;
  checkHybridActionArrays(what, space, numEnvs, actions);
  const { continuous, discrete } = actions;
  const dims = space.continuous.size;
  const branches = space.nvec.length;
  const badFloat = continuous.findIndex((value) => !Number.isFinite(value));
  if (badFloat >= 0) {
    const d = badFloat % dims;
    throw new RangeError(`${what}: the continuous action of env ${(badFloat - d) / dims}, dimension ${d}, must be finite (got ${continuous[badFloat]})`);
  }
  const badBranch = discrete.findIndex((value, i) => value >= space.nvec[i % branches]!);
  if (badBranch >= 0) {
    const b = badBranch % branches;
    throw new RangeError(
      `${what}: action out of range for a hybrid env: env ${(badBranch - b) / branches}, branch ${b} has action ${discrete[badBranch]} ` +
        `(valid: 0 … ${space.nvec[b]! - 1})`,
    );
  }
}

/** A multi-discrete env takes u32 [numEnvs][K], word b of each row below nvec[b]. */
function checkMultiDiscreteActions(nvec: readonly number[], numEnvs: number, actions: Uint32Array | Float32Array): void {
  const branches = nvec.length;
  if (!(actions instanceof Uint32Array) || actions.length !== numEnvs * branches) {
    throw new RangeError(
      `writeActions: a multi-discrete env takes a Uint32Array of numEnvs × branches = ${numEnvs} × ${branches} actions ` +
        `(got ${actions?.constructor?.name} of length ${actions?.length})`,
    );
  }
  for (let i = 0; i < actions.length; i += 1) {
    const b = i % branches;
    if (actions[i]! >= nvec[b]!) {
      throw new RangeError(
        `action out of range for a multi-discrete env: env ${(i - b) / branches}, branch ${b} has action ${actions[i]} (valid: 0 … ${nvec[b]! - 1})`,
      );
    }
  }
}
