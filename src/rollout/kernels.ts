/**
 * The kernels between a rollout and its minibatches: a fresh permutation of each agent's batch per
 * epoch (shaders/rollout/feistel_permutation.wgsl: a keyed Feistel bijection, cycle-walked, so no
 * sort) and a gather of one minibatch of one rollout column through it
 * (shaders/rollout/gather_rows.wgsl). Specs without sizes are exported for reading and the
 * catalogue; the factories check sizes and fill the override constants.
 */
import type { KernelSpec } from '../gpu/kernel';
import { shaderFile } from '../gpu/shaders';

const WORKGROUP = 64;

/** Bytes of one GatherParams uniform slot: 16 of data, padded to the uniform offset alignment. */
export const GATHER_PARAMS_BYTES = 16;

/** indices[p] = the sample index t·N + n of list position p. Bindings: params (RngParams, step = epoch), indices (u32). */
export const FEISTEL_PERMUTATION: KernelSpec = {
  label: 'rollout.feistel_permutation',
  parts: [shaderFile('common/dispatch.wgsl'), shaderFile('rng/philox.wgsl'), shaderFile('rollout/feistel_permutation.wgsl')],
  bindings: [
    { name: 'params', access: 'uniform' },
    { name: 'indices', access: 'read_write' },
  ],
  workgroupSize: WORKGROUP,
};

/** destination[r][c] = source[indices[minibatch m, row r]][c]. Bindings: params (GatherParams), indices, source, destination. */
export const GATHER_ROWS: KernelSpec = {
  label: 'rollout.gather_rows',
  parts: [shaderFile('common/dispatch.wgsl'), shaderFile('rollout/gather_rows.wgsl')],
  bindings: [
    { name: 'params', access: 'uniform' },
    { name: 'indices', access: 'read' },
    { name: 'source', access: 'read' },
    { name: 'destination', access: 'read_write' },
  ],
  workgroupSize: WORKGROUP,
};

/** A rollout's batch shape: T steps × N envs, G agents owning N/G envs each. */
export interface RolloutBatch {
  readonly steps: number;
  readonly envs: number;
  readonly agents: number;
}

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

function checkShape(what: string, shape: RolloutBatch): number {
  const steps = positiveInteger(`${what}.steps`, shape.steps);
  const envs = positiveInteger(`${what}.envs`, shape.envs);
  const agents = positiveInteger(`${what}.agents`, shape.agents);
  if (envs % agents !== 0) throw new RangeError(`${what}.envs must be divisible by agents = ${agents} (got ${envs})`);
  if (steps * envs >= 2 ** 31) throw new RangeError(`${what}: steps × envs = ${steps * envs} must be below 2^31`);
  return (steps * envs) / agents;
}

/** Half the Feistel width: the least h with 4^h ≥ n (and h ≥ 1). */
export function feistelHalfBits(samplesPerAgent: number): number {
  let h = 1;
  while (4 ** h < samplesPerAgent) h += 1;
  return h;
}

/** FEISTEL_PERMUTATION for a batch; one invocation per sample (G·T·N/G). */
export function feistelPermutationKernel(shape: RolloutBatch): { spec: KernelSpec; invocations: number } {
  const samplesPerAgent = checkShape('feistelPermutation', shape);
  return {
    spec: {
      ...FEISTEL_PERMUTATION,
      constants: { AGENTS: shape.agents, SAMPLES_PER_AGENT: samplesPerAgent, ENVS: shape.envs, HALF_BITS: feistelHalfBits(samplesPerAgent) },
    },
    invocations: shape.steps * shape.envs,
  };
}

/** GATHER_ROWS for minibatches of `rowsPerAgent` rows of `width` words; one invocation per destination word. */
export function gatherRowsKernel(shape: RolloutBatch & { readonly rowsPerAgent: number; readonly width: number }): {
  spec: KernelSpec;
  invocations: number;
} {
  const samplesPerAgent = checkShape('gatherRows', shape);
  const rowsPerAgent = positiveInteger('gatherRows.rowsPerAgent', shape.rowsPerAgent);
  const width = positiveInteger('gatherRows.width', shape.width);
  if (samplesPerAgent % rowsPerAgent !== 0) {
    throw new RangeError(`gatherRows.rowsPerAgent must divide the ${samplesPerAgent} samples of each agent (got ${rowsPerAgent})`);
  }
  return {
    spec: {
      ...GATHER_ROWS,
      constants: { AGENTS: shape.agents, ROWS_PER_AGENT: rowsPerAgent, SAMPLES_PER_AGENT: samplesPerAgent, WIDTH: width },
    },
    invocations: shape.agents * rowsPerAgent * width,
  };
}

/** Representative specs for the kernel catalogue. */
export function rolloutKernelExamples(): KernelSpec[] {
  const shape = { steps: 123, envs: 7, agents: 1 };
  return [feistelPermutationKernel(shape).spec, gatherRowsKernel({ ...shape, rowsPerAgent: 41, width: 3 }).spec];
}
