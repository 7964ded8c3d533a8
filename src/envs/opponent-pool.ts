/**
 * The opponent pool of a two-player env's policy seat (EnvDescriptor.policySeat): frozen snapshots
 * of a policy, kept on the GPU in one buffer laid out like a population's parameters (member m's
 * block at m · parametersPerAgent), and the two wrapper kernels that let a member play the seat
 * (shaders/envs/env_opponent_opening.wgsl and env_opponent_reply.wgsl). The seat's forward pass is
 * generated here for the policy's MLP and runs inside those kernels, one invocation per env, so a
 * pool costs two dispatches a step whatever its size.
 *
 * The pool is a ring of `window` members: snapshot k goes to member k mod window (ML-Agents'
 * self-play window). The kernels count the learner's wins, draws and losses against each member;
 * takeResults reads and clears them.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type KernelSpec } from '../gpu/kernel';
import { ReadbackRing } from '../gpu/readback';
import type { ShaderPart } from '../gpu/shaders';
import { actorSpec, mlpLayout, type MlpLayout } from '../nn/mlp-spec';
import { checkEnvDescriptor, declarationPattern, EnvContractError } from './contract';
import { ENV_WORKGROUP_SIZE, envWrapperParts, type EnvKernelSizes } from './kernels';
import type { EnvDescriptor, OpponentPoolOptions } from './types';
import envOpponentCommonWgsl from '../../shaders/envs/env_opponent_common.wgsl';
import envOpponentOpeningWgsl from '../../shaders/envs/env_opponent_opening.wgsl';
import envOpponentReplyWgsl from '../../shaders/envs/env_opponent_reply.wgsl';

/** The most members a pool may hold (its ring of snapshots). */
export const MAX_POOL_WINDOW = 256;

/** Bytes of the pool's uniform (PoolParams: members, newest, latest ratio, padding). */
const POOL_PARAMS_BYTES = 16;

/** The learner's results against one pool member since the last takeResults. */
export interface PoolMemberResults {
  /** The member's index in the ring (0 … window − 1). */
  readonly member: number;
  /** The snapshot it holds (0 for the first taken), or -1 for a member never filled. */
  readonly snapshot: number;
  /** Games the learner won against it. */
  readonly wins: number;
  /** Games drawn (time-outs included). */
  readonly draws: number;
  /** Games the learner lost against it. */
  readonly losses: number;
}

/** An env's pool of frozen policies for its policy seat. */
export interface OpponentPool {
  /** Members in the ring (the window). */
  readonly window: number;
  /** Snapshots taken so far (members filled: min(snapshots, window)). */
  readonly snapshots: number;
  /** The policy's parameter layout (one member's block). */
  readonly layout: MlpLayout;
  /**
   * Records a copy of one parameter set (`source` at float offset `offset`, the policy's layout) into
   * the next member of the ring, and makes it the newest. The copy lands when `encoder` runs, but
   * the pool's uniform (members, newest) is written to the queue at once: submit `encoder` before
   * any other step of the env, and record the snapshot ahead of the steps in it.
   */
  encodeSnapshot(encoder: GPUCommandEncoder, source: GPUBuffer, offset?: number): void;
  /** Reads and clears the learner's results against each member, member 0 first. */
  takeResults(): Promise<PoolMemberResults[]>;
  /** Sets the count of snapshots taken, after the members' parameters were restored (a checkpoint). */
  seek(snapshots: number): void;
  /** The members' parameters and the result counts, for a checkpoint to save and restore. */
  readonly buffers: { readonly parameters: GPUBuffer; readonly results: GPUBuffer };
}

/** Resolved pool options. */
export interface PoolSettings {
  readonly layout: MlpLayout;
  readonly window: number;
  readonly latestRatio: number;
  readonly probability: number;
}

const fail = (descriptor: EnvDescriptor, problem: string): never => {
  throw new EnvContractError(descriptor.id, problem);
};

/** The functions a body with a policy seat declares besides the contract's (EnvDescriptor.policySeat). */
const POLICY_SEAT_DECLARATIONS = ['fn env_policy_seat', 'fn env_opponent_turn', 'fn env_opponent_obs', 'fn env_opponent_step'] as const;

/**
 * A policy seat's env is discrete, declares the seat's functions, and names an f32 EnvParams field
 * (checked when a pool is attached: nothing else compiles the seat's functions).
 */
function checkPolicySeat(descriptor: EnvDescriptor): void {
  const seat = descriptor.policySeat;
  if (!seat) fail(descriptor, 'opponentPool is set, but the env has no policy seat (EnvDescriptor.policySeat): it is not a two-player env a policy can play');
  if (descriptor.actionSpace.kind !== 'discrete') fail(descriptor, `policySeat needs a discrete action space (got '${descriptor.actionSpace.kind}')`);
  const { paramFields } = checkEnvDescriptor(descriptor);
  if (paramFields.find((f) => f.name === seat!.param)?.type !== 'f32') {
    const floats = paramFields.filter((f) => f.type === 'f32').map((f) => f.name);
    fail(descriptor, `policySeat.param must name an f32 field of struct EnvParams (got '${seat!.param}'; the f32 fields: ${floats.join(', ')})`);
  }
  const declarations = [...POLICY_SEAT_DECLARATIONS, ...(descriptor.actionMasks ? ['fn env_opponent_mask'] : [])];
  const missing = declarations.filter((declaration) => !declarationPattern(declaration).test(descriptor.body.code));
  if (missing.length > 0) fail(descriptor, `policySeat is set, so its WGSL declares ${declarations.join(', ')} (missing: ${missing.join(', ')})`);
}

/**
 * Checks `options` against the env: it must have a policy seat (checkPolicySeat), a window of
 * 1 … MAX_POOL_WINDOW, ratios in [0, 1], and a policy MLP over the env's observation with one
 * 'policy' head of one logit per action.
 */
export function resolvePoolOptions(descriptor: EnvDescriptor, options: OpponentPoolOptions): PoolSettings {
  checkPolicySeat(descriptor);
  const { window, latestRatio = 0.5, probability = 1 } = options;
  if (!Number.isInteger(window) || window < 1 || window > MAX_POOL_WINDOW) {
    fail(descriptor, `opponentPool.window must be an integer in [1, ${MAX_POOL_WINDOW}]: the number of snapshots the pool keeps (got ${window})`);
  }
  for (const [field, value] of [['latestRatio', latestRatio], ['probability', probability]] as const) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(descriptor, `opponentPool.${field} must be a probability in [0, 1] (got ${value})`);
  }
  const layout = mlpLayout(options.policy);
  const actions = descriptor.actionSpace.kind === 'discrete' ? descriptor.actionSpace.n : 0;
  const heads = options.policy.heads;
  if (heads.length !== 1 || heads[0]!.size !== actions || options.policy.inputSize !== descriptor.observationSpace.size) {
    fail(
      descriptor,
      `opponentPool.policy must map the ${descriptor.observationSpace.size} observations to one head of ${actions} logits ` +
        `(got inputs ${options.policy.inputSize}, heads [${heads.map((h) => `${h.name}: ${h.size}`).join(', ')}])`,
    );
  }
  return { layout, window, latestRatio, probability };
}

// tanh clamped as shaders/nn/activation.wgsl does (±1 in float32 beyond 15 anyway; some
// implementations overflow to NaN far out).
const ACTIVATION_WGSL = { tanh: 'tanh(clamp(z, -15.0, 15.0))', relu: 'max(z, 0.0)', identity: 'z' } as const;

/**
 * The seat's forward pass for one policy layout, as WGSL: `opponent_logits(base, obs)` runs every
 * layer of the member whose block starts at `base` in `pool_parameters` (W[out][in] row-major,
 * then the bias: src/nn/mlp-spec.ts), one invocation serially, activations in two private arrays;
 * and `opponent_mask(state)`, the seat's legal actions (all, for an env without masks).
 */
export function opponentForwardPart(layout: MlpLayout, masked: boolean): ShaderPart {
  const { spec, layers } = layout;
  const actions = spec.heads[0]!.size;
  const width = Math.max(spec.inputSize, actions, ...spec.hiddenSizes);
  const calls = layers.map((layer, i) => {
    const [from, to] = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    return `  opponent_dense_${layer.activation}(&${from}, &${to}, base, ${layer.inputSize}u, ${layer.outputSize}u, ${layer.weight.offset}u, ${layer.bias.offset}u);`;
  });
  const last = layers.length % 2 === 1 ? 'b' : 'a';
  const dense = (['tanh', 'relu', 'identity'] as const).map((activation) => `
fn opponent_dense_${activation}(x: ptr<function, array<f32, OPPONENT_WIDTH>>, y: ptr<function, array<f32, OPPONENT_WIDTH>>, base: u32, in_size: u32, out_size: u32, w: u32, b: u32) {
  for (var o = 0u; o < out_size; o += 1u) {
    var z = pool_parameters[base + b + o];
    let row = base + w + o * in_size;
    for (var i = 0u; i < in_size; i += 1u) {
      z += pool_parameters[row + i] * (*x)[i];
    }
    (*y)[o] = ${ACTIVATION_WGSL[activation]};
  }
}`).join('\n');
  const mask = masked
    ? 'return env_opponent_mask(state, env_params);'
    : 'var all: array<u32, OPPONENT_ACTIONS>;\n  for (var a = 0u; a < OPPONENT_ACTIONS; a += 1u) {\n    all[a] = 1u;\n  }\n  return all;';
  const code = `// Generated by src/envs/opponent-pool.ts (opponentForwardPart) for an MLP ${spec.inputSize} → [${spec.hiddenSizes.join(', ')}] → ${actions}.
const OPPONENT_ACTIONS: u32 = ${actions}u;
const OPPONENT_WIDTH: u32 = ${width}u;
const OPPONENT_PARAMS_PER_MEMBER: u32 = ${layout.parametersPerAgent}u;
${dense}

fn opponent_logits(base: u32, obs: array<f32, OBS_SIZE>) -> array<f32, OPPONENT_ACTIONS> {
  var a: array<f32, OPPONENT_WIDTH>;
  var b: array<f32, OPPONENT_WIDTH>;
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    a[i] = obs[i];
  }
${calls.join('\n')}
  var logits: array<f32, OPPONENT_ACTIONS>;
  for (var k = 0u; k < OPPONENT_ACTIONS; k += 1u) {
    logits[k] = ${last}[k];
  }
  return logits;
}

fn opponent_mask(state: State) -> array<u32, OPPONENT_ACTIONS> {
  ${mask}
}
`;
  return { name: `envs/opponent-forward(${spec.inputSize}-${spec.hiddenSizes.join('-')}-${actions}-${layers.map((l) => l.activation).join('-')}${masked ? '-masked' : ''})`, code };
}

/**
 * `opponent_result(state, reward)`, the learner's result in a game that has just ended, by its
 * sign: the body's `env_match_result(state, params)` where it declares one (a game the last reward
 * may not decide, as Pong's score), else the last step's reward (ML-Agents' rule).
 */
function opponentResultPart(descriptor: EnvDescriptor): ShaderPart {
  const declared = declarationPattern('fn env_match_result').test(descriptor.body.code);
  const result = declared ? 'env_match_result(state, env_params)' : 'reward';
  return { name: `envs/opponent-result(${declared ? 'env_match_result' : 'reward'})`, code: `fn opponent_result(state: State, reward: f32) -> f32 {
  return ${result};
}
` };
}

/** The pool's two wrapper kernels for an env at a size (src/envs/kernels.ts sizes the others alike), with `layout`'s forward pass. */
export function opponentKernelSpecs(descriptor: EnvDescriptor, sizes: EnvKernelSizes, layout: MlpLayout): { readonly reply: KernelSpec; readonly opening: KernelSpec } {
  const { workgroupSize = ENV_WORKGROUP_SIZE } = sizes;
  const sized = { NUM_ENVS: sizes.numEnvs, MAX_EPISODE_STEPS: sizes.maxEpisodeSteps };
  const parts = [...envWrapperParts(descriptor), envOpponentCommonWgsl, opponentForwardPart(layout, descriptor.actionMasks ?? false), opponentResultPart(descriptor)];
  return {
    reply: { label: `env.${descriptor.id}.opponent-reply`, parts: [...parts, envOpponentReplyWgsl], workgroupSize, constants: sized },
    opening: { label: `env.${descriptor.id}.opponent-opening`, parts: [...parts, envOpponentOpeningWgsl], workgroupSize, constants: sized },
  };
}

/** The pool's kernels of every env with a policy seat among `envs`, with a two-layer tanh policy and a one-layer relu one (the kernel catalogue). */
export function opponentKernelExamples(envs: readonly EnvDescriptor[]): KernelSpec[] {
  return envs.filter((env) => env.policySeat && env.actionSpace.kind === 'discrete').flatMap((env) => {
    const n = (env.actionSpace as { readonly n: number }).n;
    const policies = [actorSpec(env.observationSpace.size, n, [64, 64]), { ...actorSpec(env.observationSpace.size, n, [33]), activation: 'relu' as const }];
    return policies.flatMap((policy) => Object.values(opponentKernelSpecs(env, { numEnvs: 123, maxEpisodeSteps: env.maxEpisodeSteps }, mlpLayout(policy))));
  });
}

/** The buffers a pool's kernels bind besides the env's own. */
interface PoolBuffers {
  readonly poolParams: GPUBuffer;
  readonly poolParameters: GPUBuffer;
  readonly poolResults: GPUBuffer;
}

/** Allocates a pool's members (empty until the first snapshot), its uniform and its result counts. */
function createPoolParts(device: GPUDevice, descriptor: EnvDescriptor, settings: PoolSettings): { readonly pool: OpponentPool; readonly buffers: PoolBuffers; destroy(): void } {
  const { window, layout, latestRatio } = settings;
  const memberBytes = 4 * layout.parametersPerAgent;
  const set = new BufferSet<keyof PoolBuffers>(device, `env.${descriptor.id}.pool`, {
    poolParams: { size: POOL_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    poolParameters: { size: window * memberBytes },
    poolResults: { size: 4 * 3 * window },
  });
  const b = set.buffers;
  // The counts come back through one staging buffer made now: a snapshot's readback allocates nothing.
  const readback = new ReadbackRing(device, { label: `env.${descriptor.id}.pool.results`, byteLength: 4 * 3 * window, slots: 1 });
  const counts = new Uint32Array(3 * window);
  let snapshots = 0;
  const writePoolParams = () => {
    const bytes = new ArrayBuffer(POOL_PARAMS_BYTES);
    const words = new Uint32Array(bytes);
    words[0] = Math.min(snapshots, window);
    words[1] = snapshots === 0 ? 0 : (snapshots - 1) % window;
    new Float32Array(bytes)[2] = latestRatio;
    device.queue.writeBuffer(b.poolParams, 0, bytes);
  };
  writePoolParams();
  device.queue.writeBuffer(b.poolResults, 0, counts);
  const pool: OpponentPool = {
    window,
    layout,
    get snapshots() {
      return snapshots;
    },
    encodeSnapshot(encoder, source, offset = 0) {
      if (!Number.isInteger(offset) || offset < 0 || 4 * (offset + layout.parametersPerAgent) > source.size) {
        throw new RangeError(`encodeSnapshot: offset must place ${layout.parametersPerAgent} floats inside the ${source.size / 4}-float source (got ${offset})`);
      }
      encoder.copyBufferToBuffer(source, 4 * offset, b.poolParameters, (snapshots % window) * memberBytes, memberBytes);
      snapshots += 1;
      writePoolParams();
    },
    seek(count) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`opponentPool.seek: count must be a non-negative integer (got ${count})`);
      snapshots = count;
      writePoolParams();
    },
    buffers: { parameters: b.poolParameters, results: b.poolResults },
    async takeResults() {
      // Copy out, then clear, in one submit: no game finishing in between is lost.
      const encoder = device.createCommandEncoder({ label: `env.${descriptor.id}.pool.take-results` });
      const ticket = readback.record(encoder, b.poolResults)!;
      encoder.clearBuffer(b.poolResults);
      device.queue.submit([encoder.finish()]);
      await readback.collectInto(ticket, new Uint8Array(counts.buffer));
      return Array.from({ length: window }, (_, member) => ({
        member,
        snapshot: member < snapshots ? snapshots - 1 - ((snapshots - 1 - member) % window) : -1,
        wins: counts[3 * member]!,
        draws: counts[3 * member + 1]!,
        losses: counts[3 * member + 2]!,
      }));
    },
  };
  return {
    pool,
    buffers: b,
    destroy: () => {
      readback.destroy();
      set.destroy();
    },
  };
}

/** The env buffers the seat's kernels read and write (a VectorEnv's, by its names). */
export type SeatEnvBuffers = Readonly<Record<'wrapperParams' | 'envParams' | 'episodeProgress' | 'nextStates' | 'rewards' | 'terminated' | 'states' | 'observations', GPUBuffer>>;

/** A vector env's policy seat: its pool, its kernels, and their dispatches once bound to the env's buffers. */
export interface PolicySeat {
  readonly pool: OpponentPool;
  /** The share of episodes played against the pool (the value of the body's policySeat param). */
  readonly probability: number;
  /** The two dispatches over the env's buffers: the reply after each step, the opening after each reset. */
  bind(env: SeatEnvBuffers, label: string, numEnvs: number): { reply(pass: GPUComputePassEncoder): void; opening(pass: GPUComputePassEncoder): void };
  /** Throws while the pool is empty and episodes would play it (a step or reset then would hang the seat's games). */
  checkReady(): void;
  destroy(): void;
}

/** Checks the options, compiles the seat's kernels for the env at `sizes`, and allocates the pool (createVectorEnv calls it). */
export async function createPolicySeat(device: GPUDevice, descriptor: EnvDescriptor, options: OpponentPoolOptions, sizes: EnvKernelSizes): Promise<PolicySeat> {
  const settings = resolvePoolOptions(descriptor, options);
  const specs = opponentKernelSpecs(descriptor, sizes, settings.layout);
  const [reply, opening] = await Promise.all([createKernel(device, specs.reply), createKernel(device, specs.opening)]);
  const { pool, buffers: p, destroy } = createPoolParts(device, descriptor, settings);
  return {
    pool,
    probability: settings.probability,
    bind(b, label, numEnvs) {
      const common = { wrapper: b.wrapperParams, env_params: b.envParams, pool: p.poolParams, pool_parameters: p.poolParameters, episode_progress: b.episodeProgress };
      const replyGroup = reply.bind({ ...common, next_states: b.nextStates, rewards: b.rewards, terminated: b.terminated, pool_results: p.poolResults }, `${label}.opponent-reply.bind-group`);
      const openingGroup = opening.bind({ ...common, states: b.states, observations: b.observations }, `${label}.opponent-opening.bind-group`);
      return {
        reply: (pass) => reply.dispatch(pass, replyGroup, numEnvs),
        opening: (pass) => opening.dispatch(pass, openingGroup, numEnvs),
      };
    },
    checkReady() {
      if (settings.probability > 0 && pool.snapshots === 0) {
        fail(descriptor, 'its opponent pool is empty: take a snapshot (opponentPool.encodeSnapshot) before the envs reset or step');
      }
    },
    destroy,
  };
}
