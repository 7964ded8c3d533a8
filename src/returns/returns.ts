/**
 * Policy-gradient weights on the GPU, from a time-major [T][N] rollout:
 *   'total-return'  R(τ) = Σ_k γ^k r_k of the step's trajectory, from the trajectory's first step in
 *                   the rollout, given to every step of it (the vanilla REINFORCE weight);
 *   'reward-to-go'  G_t = Σ_{t' ≥ t} γ^{t'−t} r_{t'} within the episode (causality);
 *   'gae'           GAE(λ) advantages, and the critic's target A + V.
 * Done convention (shaders/returns/rollout.wgsl): an episode ends AT step t when terminated or
 * truncated. Terminated: nothing after. Truncated: + γ·finalValues[t][n] when a critic exists.
 * Rollout end (t = T − 1, not done): + γ·lastValues[n] when a critic exists. Without a critic
 * (`critic: false`) both bootstraps are 0, so a trajectory cut by the rollout's end counts only the
 * rewards seen. A trajectory cut by the rollout's start (its episode began in an earlier rollout)
 * is discounted from its first step in this rollout.
 *
 * Each estimator is (1) a coefficients kernel writing the affine maps (a_t, b_t) of its recurrence
 * y_t = b_t + a_t·y_{t+1}, then (2) the recurrence, by one of two paths:
 *   'sequential'  one invocation per env loops over time: T dependent steps, N-way parallel;
 *   'scan'        a parallel scan over time in chunks of 512 steps (reduce, carry, apply):
 *                 3 dispatches and ~2× the reads, T·N/8-way parallel.
 * 'auto' picks by shape (chooseScanPath). 'total-return' runs the recurrence twice: reward-to-go
 * backwards, then a forward copy of each trajectory's first value.
 *
 * Every buffer is allocated here; encode only records dispatches (bind groups cached per io).
 */
import { BufferSet, STORAGE_USAGE } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import {
  SCAN_CHUNK,
  addValuesSpec,
  checkRolloutShape,
  episodeStartCoefficientsSpec,
  gaeCoefficientsSpec,
  rewardToGoCoefficientsSpec,
  scanSizing,
  scanParallelSpecs,
  scanSequentialSpec,
  type RolloutShape,
} from './kernels';

export type ReturnEstimator = 'total-return' | 'reward-to-go' | 'gae';
export type ScanPath = 'sequential' | 'scan';

export interface ReturnsConfig {
  /** T: steps per rollout. */
  readonly steps: number;
  /** N: envs. */
  readonly envs: number;
  /** G: agents, env n belongs to agent ⌊n / (N/G)⌋; default 1. */
  readonly agents?: number;
  readonly estimator: ReturnEstimator;
  /** Discount γ in [0, 1], one or one per agent; default 0.99. */
  readonly gamma?: number | readonly number[];
  /** GAE's λ in [0, 1], one or one per agent; default 0.95 (ignored by the other estimators). */
  readonly lambda?: number | readonly number[];
  /** Bootstrap truncations and the rollout's end from a critic's values; required (and default) for 'gae', default false otherwise. */
  readonly critic?: boolean;
  /** 'auto' (default) chooses by shape; 'sequential' or 'scan' forces a path. */
  readonly path?: 'auto' | ScanPath;
  /** Prefix of every GPU object's label; default 'returns'. */
  readonly label?: string;
}

export interface ResolvedReturnsConfig extends RolloutShape {
  readonly estimator: ReturnEstimator;
  readonly gamma: readonly number[];
  readonly lambda: readonly number[];
  readonly critic: boolean;
  readonly path: ScanPath;
  readonly label: string;
}

/** The rollout buffers read (time-major [T][N] unless noted) and the outputs written. */
export interface ReturnsIo {
  /** f32 [T][N]. */
  readonly rewards: GPUBuffer;
  /** u32 [T][N], 0/1. */
  readonly terminated: GPUBuffer;
  /** u32 [T][N], 0/1. */
  readonly truncated: GPUBuffer;
  /** f32 [T][N] V(s_t): 'gae' only. */
  readonly values?: GPUBuffer;
  /** f32 [T][N] V(final obs) where truncated: with a critic. */
  readonly finalValues?: GPUBuffer;
  /** f32 [N] V(s_T): with a critic. */
  readonly lastValues?: GPUBuffer;
  /** f32 [T][N]: the weight (total return or reward-to-go) or the GAE advantage. */
  readonly output: GPUBuffer;
  /** f32 [T][N]: the critic's target A + V ('gae' only; optional). */
  readonly returns?: GPUBuffer;
}

/** The rollout's side of ReturnsIo, picked from the transition buffers (src/rollout/transitions.ts). */
export function returnsInputs(
  transitions: Readonly<Record<'rewards' | 'terminated' | 'truncated' | 'values' | 'finalValues' | 'lastValues', GPUBuffer>>,
): Omit<ReturnsIo, 'output' | 'returns'> {
  const { rewards, terminated, truncated, values, finalValues, lastValues } = transitions;
  return { rewards, terminated, truncated, values, finalValues, lastValues };
}

export interface Returns {
  readonly config: ResolvedReturnsConfig;
  /** Dispatches per encode. */
  readonly dispatches: number;
  /** Records the estimator into `target` (a compute pass, or a new pass of the encoder). */
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, io: ReturnsIo): void;
  /** Writes γ (and λ; the configured λ when omitted) through the queue; validated like the config. */
  setDiscounts(gamma: number | readonly number[], lambda?: number | readonly number[]): void;
  destroy(): void;
}

/**
 * The path 'auto' takes: the scan when envs are too few to fill a GPU (N < 1 024) and the horizon
 * is long enough for its three dispatches and extra pass to pay (T ≥ 1 024, two chunks or more);
 * sequential otherwise. The sequential loop does T dependent steps per invocation, so with few envs
 * its time grows with T while the GPU idles; the scan's depth is T/512 + log₂64 + 8. A design rule
 * for hardware GPUs, not yet timed on one: on SwiftShader (2 CPU cores, no idle lanes to fill) the
 * sequential path was faster at every shape timed, GAE per call sequential vs scan:
 * T×N = 128×4096 118 vs 543 ms, 1024×256 70 vs 361 ms, 2048×16 7.1 vs 12 ms, 8192×1 2.2 vs 6.8 ms.
 */
export function chooseScanPath(steps: number, envs: number): ScanPath {
  return envs < 1024 && steps >= 2 * SCAN_CHUNK ? 'scan' : 'sequential';
}

function fail(label: string, field: string, value: unknown, valid: string): never {
  const shown = Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  throw new RangeError(`${label}: ${field} must be ${valid} (got ${shown})`);
}

/** One value per agent, each in [0, 1]. */
export function perAgentUnit(label: string, field: string, value: number | readonly number[], agents: number): number[] {
  const list = typeof value === 'number' ? Array<number>(agents).fill(value) : Array.isArray(value) ? [...value] : fail(label, field, value, 'a number or an array');
  if (list.length !== agents) fail(label, field, value, `one number or ${agents} (one per agent)`);
  list.forEach((v, g) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(label, list.length > 1 || Array.isArray(value) ? `${field}[${g}]` : field, v, 'a number in [0, 1]');
  });
  return list;
}

/** Checks a config and fills in defaults; throws RangeError naming the field, value and valid range. */
export function resolveReturnsConfig(config: ReturnsConfig): ResolvedReturnsConfig {
  const label = config.label ?? 'returns';
  const agents = config.agents ?? 1;
  const shape = { steps: config.steps, envs: config.envs, agents };
  checkRolloutShape(shape, label);
  const { estimator } = config;
  if (estimator !== 'total-return' && estimator !== 'reward-to-go' && estimator !== 'gae') {
    fail(label, 'estimator', estimator, "'total-return', 'reward-to-go' or 'gae'");
  }
  const critic = config.critic ?? estimator === 'gae';
  if (typeof critic !== 'boolean') fail(label, 'critic', critic, 'a boolean');
  if (estimator === 'gae' && !critic) fail(label, 'critic', critic, "true for 'gae' (it needs V(s))");
  const gamma = perAgentUnit(label, 'gamma', config.gamma ?? 0.99, agents);
  const lambda = perAgentUnit(label, 'lambda', config.lambda ?? 0.95, agents);
  const requested = config.path ?? 'auto';
  if (requested !== 'auto' && requested !== 'sequential' && requested !== 'scan') {
    fail(label, 'path', requested, "'auto', 'sequential' or 'scan'");
  }
  const path = requested === 'auto' ? chooseScanPath(shape.steps, shape.envs) : requested;
  return Object.freeze({ ...shape, estimator, gamma: Object.freeze(gamma), lambda: Object.freeze(lambda), critic, path, label });
}

/** A recurrence y over the coefficients buffer, by the chosen path. */
interface Recurrence {
  readonly dispatches: number;
  encode(pass: GPUComputePassEncoder, output: GPUBuffer): void;
}

async function createRecurrence(
  device: GPUDevice,
  shape: RolloutShape,
  path: ScanPath,
  reverse: boolean,
  coefficients: GPUBuffer,
  scratch: { aggregates: GPUBuffer; carries: GPUBuffer },
  label: string,
): Promise<Recurrence> {
  const { envs } = shape;
  if (path === 'sequential') {
    const kernel = await createKernel(device, scanSequentialSpec(shape, reverse));
    const groups = new Map<GPUBuffer, GPUBindGroup>();
    return {
      dispatches: 1,
      encode(pass, output) {
        let group = groups.get(output);
        if (!group) groups.set(output, (group = kernel.bind({ coefficients, output }, `${label}.scan-sequential`)));
        kernel.dispatch(pass, group, envs);
      },
    };
  }
  const specs = scanParallelSpecs(shape, reverse);
  const reduce = await createKernel(device, specs.reduce);
  const carry = await createKernel(device, specs.carry);
  const apply = await createKernel(device, specs.apply);
  const sizing = scanSizing(shape.steps);
  const chunkGroups = envs * sizing.chunks;
  const reduceGroup = reduce.bind({ coefficients, aggregates: scratch.aggregates }, `${label}.scan-reduce`);
  const carryGroup = carry.bind({ aggregates: scratch.aggregates, carries: scratch.carries }, `${label}.scan-carry`);
  const applyGroups = new Map<GPUBuffer, GPUBindGroup>();
  return {
    dispatches: 3,
    encode(pass, output) {
      let applyGroup = applyGroups.get(output);
      if (!applyGroup) {
        applyGroup = apply.bind({ coefficients, carries: scratch.carries, output }, `${label}.scan-apply`);
        applyGroups.set(output, applyGroup);
      }
      reduce.dispatch(pass, reduceGroup, chunkGroups * sizing.workgroup);
      carry.dispatch(pass, carryGroup, envs);
      apply.dispatch(pass, applyGroup, chunkGroups * sizing.workgroup);
    },
  };
}

function passOf(target: GPUCommandEncoder | GPUComputePassEncoder, label: string): [GPUComputePassEncoder, boolean] {
  if ('dispatchWorkgroups' in target) return [target, false];
  return [target.beginComputePass({ label }), true];
}

/** Compiles the estimator's kernels for the configured shape and path and allocates its scratch. */
export async function createReturns(device: GPUDevice, config: ReturnsConfig): Promise<Returns> {
  const resolved = resolveReturnsConfig(config);
  const { steps, envs, agents, estimator, critic, path, label } = resolved;
  const shape: RolloutShape = { steps, envs, agents };
  const elements = steps * envs;
  const { chunks } = scanSizing(steps);

  const scratch = new BufferSet(device, label, {
    discounts: { size: 8 * agents },
    coefficients: { size: 8 * elements },
    aggregates: { size: path === 'scan' ? 8 * envs * chunks : 4 },
    carries: { size: path === 'scan' ? 4 * envs * chunks : 4 },
    rewardToGo: { size: estimator === 'total-return' ? 4 * elements : 4 },
    // Bound where a kernel's critic inputs are never read (CRITIC = 0).
    unused: { size: 16, usage: STORAGE_USAGE() },
  });
  const b = scratch.buffers;

  const coefficientsSpec: KernelSpec = estimator === 'gae' ? gaeCoefficientsSpec(shape) : rewardToGoCoefficientsSpec(shape, critic);
  const coefficientsKernel: Kernel = await createKernel(device, coefficientsSpec);
  const backward = await createRecurrence(device, shape, path, true, b.coefficients, b, `${label}.backward`);
  const startKernel = estimator === 'total-return' ? await createKernel(device, episodeStartCoefficientsSpec(shape)) : undefined;
  const forward = estimator === 'total-return' ? await createRecurrence(device, shape, path, false, b.coefficients, b, `${label}.forward`) : undefined;
  const addValuesKernel = estimator === 'gae' ? await createKernel(device, addValuesSpec(shape, 1)) : undefined;

  const writeDiscounts = (gamma: readonly number[], lambda: readonly number[]) => {
    const data = new Float32Array(2 * agents);
    for (let g = 0; g < agents; g += 1) data.set([gamma[g]!, lambda[g]!], 2 * g);
    device.queue.writeBuffer(b.discounts, 0, data);
  };
  writeDiscounts(resolved.gamma, resolved.lambda);

  const checkSize = (name: string, buffer: GPUBuffer | undefined, words: number): GPUBuffer => {
    if (!buffer) throw new Error(`${label}: '${name}' is required (${estimator}${critic ? ' with a critic' : ''})`);
    if (buffer.size < 4 * words) {
      throw new RangeError(`${label}: '${name}' (${buffer.label}) holds ${buffer.size / 4} words; needs ${words}`);
    }
    return buffer;
  };

  interface Groups {
    io: ReturnsIo;
    coefficients: GPUBindGroup;
    start?: GPUBindGroup;
    addValues?: GPUBindGroup;
  }
  const cache: Groups[] = [];
  const same = (a: ReturnsIo, c: ReturnsIo) =>
    (['rewards', 'terminated', 'truncated', 'values', 'finalValues', 'lastValues', 'output', 'returns'] as const).every((k) => a[k] === c[k]);
  const bindGroups = (io: ReturnsIo): Groups => {
    const hit = cache.find((c) => same(c.io, io));
    if (hit) return hit;
    const rewards = checkSize('rewards', io.rewards, elements);
    const terminated = checkSize('terminated', io.terminated, elements);
    const truncated = checkSize('truncated', io.truncated, elements);
    const output = checkSize('output', io.output, elements);
    const finalValues = critic ? checkSize('finalValues', io.finalValues, elements) : b.unused;
    const lastValues = critic ? checkSize('lastValues', io.lastValues, envs) : b.unused;
    const common = { discounts: b.discounts, rewards, terminated, truncated, final_values: finalValues, last_values: lastValues, coefficients: b.coefficients };
    const entry: Groups = {
      io,
      coefficients:
        estimator === 'gae'
          ? coefficientsKernel.bind({ ...common, values: checkSize('values', io.values, elements) }, `${label}.coefficients`)
          : coefficientsKernel.bind(common, `${label}.coefficients`),
    };
    if (startKernel) {
      entry.start = startKernel.bind({ terminated, truncated, reward_to_go: b.rewardToGo, coefficients: b.coefficients }, `${label}.episode-start`);
    }
    if (addValuesKernel && io.returns) {
      entry.addValues = addValuesKernel.bind(
        { x: output, values: checkSize('values', io.values, elements), output: checkSize('returns', io.returns, elements) },
        `${label}.add-values`,
      );
    }
    if (cache.length >= 8) cache.shift();
    cache.push(entry);
    return entry;
  };

  const dispatches = 1 + backward.dispatches + (forward ? 1 + forward.dispatches : 0) + (addValuesKernel ? 1 : 0);
  return {
    config: resolved,
    dispatches,
    encode(target, io) {
      const groups = bindGroups(io);
      const [pass, own] = passOf(target, label);
      coefficientsKernel.dispatch(pass, groups.coefficients, elements);
      if (startKernel && forward) {
        backward.encode(pass, b.rewardToGo);
        startKernel.dispatch(pass, groups.start!, elements);
        forward.encode(pass, io.output);
      } else {
        backward.encode(pass, io.output);
      }
      if (addValuesKernel && groups.addValues) addValuesKernel.dispatch(pass, groups.addValues, elements);
      if (own) pass.end();
    },
    setDiscounts(gamma, lambda) {
      writeDiscounts(perAgentUnit(label, 'gamma', gamma, agents), perAgentUnit(label, 'lambda', lambda ?? resolved.lambda, agents));
    },
    destroy() {
      scratch.destroy();
    },
  };
}
