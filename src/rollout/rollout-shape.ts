/**
 * A rollout's config checked and resolved once, before anything is allocated: its sizes (N envs of
 * G agents, B each; A action words; the policy head's width), its seeds, and the choices that
 * follow from the env (masks, pipelined halves for a JavaScript env). Every refusal names the
 * field, the value and what is valid.
 */
import type { HostBackedVectorEnv } from '../envs/host-vector-env';
import { maskWidth, type ActionSpace } from '../envs/types';
import type { VectorEnv } from '../envs/vector-env';
import { actionBranches, actionWords, continuousActionDims, policyOutputWidth } from '../envs/action-branches';
import type { MlpLayout } from '../nn/mlp-spec';
import { resolveFusedSteps, type RolloutKernels } from './fused-steps-choice';
import { pipelinesHalves } from './host-halves';

export interface RolloutConfig {
  /** The envs (reset by `encodeReset` before the first rollout); N = env.numEnvs. */
  readonly env: VectorEnv;
  /** T: steps per rollout. */
  readonly steps: number;
  /**
   * The actor's layout: a 'policy' head of the env's logits (discrete, multi-discrete), of its D
   * action means with a learned state-independent log-std `extras: { logStd: D }` (box env), or of
   * the D means then the logits (hybrid env); src/train/actor-critic.ts actorSpecFor makes each.
   */
  readonly actor: MlpLayout;
  /** The critic's layout (a head named 'value' of size 1). */
  readonly critic: MlpLayout;
  /** u32 seed of the action sampling (of every agent, when `seeds` is not given: agent g uses seed + g). */
  readonly seed: number;
  /** G: agents (parameter sets [G][P]); N must be a multiple. Default 1. */
  readonly agents?: number;
  /**
   * Per-agent seeds of the action sampling (length G). Agent g then replays a G = 1 rollout seeded
   * seeds[g] when the env was created with the same `seeds` (checked when G > 1).
   */
  readonly seeds?: readonly number[];
  /** Normalise observations by running per-agent statistics (NormalizeObservation, clip ±10). Default false. */
  readonly normalizeObservations?: boolean;
  /** Scale rewards by the running std of the γ-discounted return (NormalizeReward, clip ±10). Default false. */
  readonly normalizeRewards?: { readonly gamma: number } | false;
  /**
   * Sample under the env's action masks and record them for the update (default: whether the env
   * has masks). false ignores an env's masks: the policy may then choose illegal actions, and the
   * env decides what they do (a comparison run).
   */
  readonly useActionMasks?: boolean;
  /**
   * Step a JavaScript env in two halves, each half's JavaScript overlapping the GPU's sampling of
   * the other (./host-halves.ts); the record is bit for bit the unpipelined one. Default true. It
   * applies only where it can: a host env whose game declares stepsRanges, an even N ≥ 2, one
   * agent, and neither normaliser (their running statistics need every env of a step at once);
   * elsewhere the rollout is unpipelined whatever this says (see `Rollout.pipelined`).
   */
  readonly pipelineHostEnv?: boolean;
  /**
   * 'fused' records each step in one dispatch (./fused-steps.ts: a WGSL env with one discrete
   * action, no masks, metrics, policy seat or normalisers, an actor at most 64 wide), an error
   * where that does not apply; 'layerwise' records each step as six dispatches and nine copies;
   * 'auto' (the default) fuses where it applies, on a software adapter only up to
   * SOFTWARE_FUSED_MAX_ENVS envs (./fused-steps-choice.ts). Both record the same transitions to
   * float32 rounding.
   */
  readonly kernels?: RolloutKernels;
  readonly label?: string;
}

/** What createRollout builds from: the config's values, checked, and the sizes derived from them. */
export interface RolloutShape {
  readonly env: VectorEnv;
  readonly steps: number;
  readonly actor: MlpLayout;
  readonly critic: MlpLayout;
  readonly label: string;
  readonly space: ActionSpace;
  /** Envs, agents, envs per agent. */
  readonly N: number;
  readonly G: number;
  readonly B: number;
  readonly seeds: readonly number[];
  /** D: the dims of a Gaussian part (a box env, or a hybrid env's box); 0 for a discrete or multi-discrete env. */
  readonly continuousDims: number;
  /** The categorical branches' sizes ([n] for a discrete env, nvec for a multi-discrete or hybrid one; empty for a box). */
  readonly branches: readonly number[];
  /** Words per action: 1, K, D or D + K. */
  readonly A: number;
  /** Width of the actor's policy head. */
  readonly policySize: number;
  readonly logStdSlot: { readonly offset: number; readonly length: number } | undefined;
  readonly normalizeObservations: boolean;
  readonly normalizeRewards: { readonly gamma: number } | false;
  readonly masked: boolean;
  /** Words of a recorded mask row (0 without masks). */
  readonly maskRow: number;
  readonly hostEnv: HostBackedVectorEnv | undefined;
  readonly pipelined: boolean;
  /** Whether the T steps run as one fused dispatch (./fused-steps.ts). */
  readonly fused: boolean;
  readonly OBS: number;
}

/** Checks `config` against its env and networks; throws naming the first problem. `software`: the adapter is one (the fused steps' choice). */
export function resolveRolloutShape(config: RolloutConfig, software = false): RolloutShape {
  const { env, steps, actor, critic } = config;
  const label = config.label ?? 'rollout';
  const space = env.descriptor.actionSpace;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`rollout: steps must be a positive integer (got ${steps})`);
  const N = env.numEnvs;
  const G = config.agents ?? 1;
  if (!Number.isInteger(G) || G < 1 || N % G !== 0) {
    throw new RangeError(`rollout: agents must be a positive integer dividing the env's numEnvs = ${N} (got ${G})`);
  }
  const B = N / G;
  const seeds = agentSeeds(config, G);
  if (config.seeds !== undefined && G > 1 && env.seeds.join(',') !== seeds.join(',')) {
    throw new RangeError(
      `rollout: seeds [${seeds.join(', ')}] must equal the env's seeds [${env.seeds.join(', ')}] ` +
        '(createVectorEnv options.seeds), so that each agent replays a G = 1 rollout of its own seed',
    );
  }
  const continuousDims = continuousActionDims(space);
  const branches = actionBranches(space);
  const A = actionWords(space);
  const policySize = policyOutputWidth(space);
  checkNetworks(env, actor, critic, continuousDims, policySize);
  const logStdSlot = actor.extras.logStd;
  const { normalizeObservations, normalizeRewards } = checkNormalisers(config);
  const masked = rolloutMasks(config, env);
  const pipelineWanted = config.pipelineHostEnv ?? true;
  if (typeof pipelineWanted !== 'boolean') throw new RangeError(`rollout: pipelineHostEnv must be true or false (got ${String(pipelineWanted)})`);
  const hostEnv = 'hostStep' in env ? (env as HostBackedVectorEnv) : undefined;
  const pipelined = pipelinesHalves({ env, host: hostEnv, agents: G, normalised: normalizeObservations || normalizeRewards !== false, wanted: pipelineWanted });
  const maskRow = masked ? maskWidth(space) : 0;
  const OBS = env.observationSize;
  const fused = resolveFusedSteps({ env, actor, hostEnv, masked, normalizeObservations, normalizeRewards, space }, config.kernels ?? 'auto', software);
  return {
    env,
    steps,
    actor,
    critic,
    label,
    space,
    N,
    G,
    B,
    seeds,
    continuousDims,
    branches,
    A,
    policySize,
    logStdSlot,
    normalizeObservations,
    normalizeRewards,
    masked,
    maskRow,
    hostEnv,
    pipelined,
    fused,
    OBS,
  };
}

/** The actor's policy head (and a Gaussian's learned log-std) and the critic's value head fit the env. */
function checkNetworks(env: VectorEnv, actor: MlpLayout, critic: MlpLayout, D: number, policySize: number): void {
  const policyHead = actor.headLayer.policy;
  if (policyHead === undefined || actor.layers[policyHead]!.outputSize !== policySize) {
    const what = D === 0 ? 'logits' : D === policySize ? 'action means' : `outputs (${D} action means, then ${policySize - D} logits)`;
    throw new RangeError(`rollout: the actor needs a 'policy' head of ${policySize} ${what} for env '${env.descriptor.id}'`);
  }
  const logStdSlot = actor.extras.logStd;
  if (D > 0 && (logStdSlot === undefined || logStdSlot.length !== D)) {
    throw new RangeError(
      `rollout: env '${env.descriptor.id}' has a continuous action space of ${D} dims: the actor needs extras.logStd of length ${D} ` +
        `(a learned state-independent log-std; gaussianActorSpec) (got ${logStdSlot ? `length ${logStdSlot.length}` : 'none'})`,
    );
  }
  if (critic.headLayer.value === undefined || critic.layers[critic.headLayer.value]!.outputSize !== 1) {
    throw new RangeError("rollout: the critic needs a 'value' head of size 1");
  }
  if (actor.spec.inputSize !== env.observationSize || critic.spec.inputSize !== env.observationSize) {
    throw new RangeError(`rollout: actor and critic take ${env.observationSize} inputs (the env's observation size)`);
  }
}

/** The normalisers' options: observations a boolean, rewards false or { gamma } in [0, 1]. */
function checkNormalisers(config: RolloutConfig): Pick<RolloutShape, 'normalizeObservations' | 'normalizeRewards'> {
  const normalizeRewards = config.normalizeRewards ?? false;
  if (normalizeRewards !== false && (typeof normalizeRewards !== 'object' || !(normalizeRewards.gamma >= 0 && normalizeRewards.gamma <= 1))) {
    throw new RangeError(`rollout: normalizeRewards must be false or { gamma } with gamma in [0, 1] (got ${JSON.stringify(normalizeRewards)})`);
  }
  const normalizeObservations = config.normalizeObservations ?? false;
  if (typeof normalizeObservations !== 'boolean') {
    throw new RangeError(`rollout: normalizeObservations must be a boolean (got ${String(normalizeObservations)})`);
  }
  return { normalizeObservations, normalizeRewards };
}

function checkU32(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in [0, 4294967295] (got ${String(value)})`);
  }
  return value;
}

/** The per-agent seeds: config.seeds checked, or seed + g (mod 2^32). */
function agentSeeds(config: RolloutConfig, agents: number): readonly number[] {
  checkU32('rollout: seed', config.seed);
  if (config.seeds === undefined) return Array.from({ length: agents }, (_, g) => (config.seed + g) >>> 0);
  if (!Array.isArray(config.seeds) || config.seeds.length !== agents) {
    throw new RangeError(`rollout: seeds must hold one seed per agent, ${agents} (got ${(config.seeds as unknown[] | undefined)?.length})`);
  }
  config.seeds.forEach((s, g) => checkU32(`rollout: seeds[${g}]`, s));
  return [...config.seeds];
}

/** Whether the rollout samples under the env's masks: config.useActionMasks, by default whether the env has them. */
function rolloutMasks(config: RolloutConfig, env: VectorEnv): boolean {
  const available = env.buffers.masks !== undefined;
  const wanted = config.useActionMasks ?? available;
  if (typeof wanted !== 'boolean') throw new RangeError(`rollout: useActionMasks must be true or false (got ${String(wanted)})`);
  if (wanted && !available) {
    throw new RangeError(`rollout: useActionMasks is true but env '${env.descriptor.id}' has no action masks (its descriptor's actionMasks is not set)`);
  }
  return wanted;
}
