/**
 * Which rollouts take the fused step kernel (./fused-steps.ts) and which the layer-wise steps
 * (./rollout.ts): RolloutConfig.kernels resolved against the env, the normalisers and the actor,
 * before anything is compiled. A refusal names what stands in the way.
 */
import type { ActionSpace } from '../envs/types';
import type { VectorEnv } from '../envs/vector-env';
import type { MlpLayout } from '../nn/mlp-spec';

/** The widest input, hidden layer or action count the fused kernel holds in its private arrays. */
export const MAX_FUSED_UNITS = 64;
/** Layers of the actor the fused kernel's table holds: the hidden layers and the policy head. */
export const MAX_FUSED_LAYERS = 8;

/**
 * The most envs (all agents') 'auto' fuses on a software adapter. There the GPU is the CPU's cores:
 * the fused step runs each env's network serially in one invocation, and once the envs keep the
 * cores busy the layer-wise kernels' register-tiled products are faster. Measured with PPO on
 * CartPole-v1 (SwiftShader, 2 cores, `npm run bench -- --rollout-kernels auto,layerwise`): fused
 * +19 % SPS at N = 4, −3 % at N = 64, −7 % at N = 1 024. A hardware adapter fuses at every N: its
 * cost at small N is the launches the fusion removes.
 */
export const SOFTWARE_FUSED_MAX_ENVS = 16;

/** Which steps a rollout records: the fused kernel where it qualifies ('auto'), or one of the two. */
export type RolloutKernels = 'auto' | 'fused' | 'layerwise';

/** What decides it, of a rollout's shape (./rollout-shape.ts). */
interface FusedShape {
  readonly env: VectorEnv;
  readonly space: ActionSpace;
  readonly actor: MlpLayout;
  /** A JavaScript env's host side, when the env is one. */
  readonly hostEnv: unknown;
  readonly masked: boolean;
  readonly normalizeObservations: boolean;
  readonly normalizeRewards: { readonly gamma: number } | false;
}

/** Why the rollout cannot run fused, or null when it can. */
export function fusedStepsUnsupported(shape: FusedShape): string | null {
  const { env, space } = shape;
  const d = env.descriptor;
  if (shape.hostEnv) return `env '${d.id}' is a JavaScript env, which steps on the CPU`;
  if (space.kind !== 'discrete') return `env '${d.id}' has a ${space.kind} action space; the fused rollout samples one categorical action`;
  if (space.n > MAX_FUSED_UNITS) return `env '${d.id}' has ${space.n} actions, beyond the fused rollout's ${MAX_FUSED_UNITS}`;
  if (d.actionMasks || shape.masked) return `env '${d.id}' has action masks`;
  if ((d.episodeMetrics?.length ?? 0) > 0) return `env '${d.id}' reports episode metrics`;
  if (d.policySeat || env.opponentPool) return `env '${d.id}' has a policy seat`;
  if (shape.normalizeObservations || shape.normalizeRewards !== false) return 'the rollout normalises observations or rewards';
  return actorUnsupported(shape.actor);
}

function actorUnsupported(actor: MlpLayout): string | null {
  const { inputSize, hiddenSizes } = actor.spec;
  if (inputSize > MAX_FUSED_UNITS) return `the actor's input is ${inputSize} wide, beyond the fused rollout's ${MAX_FUSED_UNITS}`;
  const wide = hiddenSizes.findIndex((size) => size > MAX_FUSED_UNITS);
  if (wide >= 0) return `the actor's hiddenSizes[${wide}] is ${hiddenSizes[wide]}, beyond the fused rollout's ${MAX_FUSED_UNITS}`;
  if (hiddenSizes.length >= MAX_FUSED_LAYERS) return `the actor has ${hiddenSizes.length} hidden layers, beyond the fused rollout's ${MAX_FUSED_LAYERS - 1}`;
  return null;
}

/**
 * Whether `shape` runs fused under `kernels` on an adapter that is or is not `software`; 'fused'
 * on a rollout that does not qualify is an error naming why.
 */
export function resolveFusedSteps(shape: FusedShape, kernels: RolloutKernels, software: boolean): boolean {
  if (kernels !== 'auto' && kernels !== 'fused' && kernels !== 'layerwise') {
    throw new RangeError(`rollout: kernels must be 'auto', 'fused' or 'layerwise' (got ${JSON.stringify(kernels)})`);
  }
  if (kernels === 'layerwise') return false;
  const why = fusedStepsUnsupported(shape);
  if (why !== null && kernels === 'fused') throw new RangeError(`rollout: kernels is 'fused' but ${why}; use 'auto' or 'layerwise'`);
  if (kernels === 'auto' && software && shape.env.numEnvs > SOFTWARE_FUSED_MAX_ENVS) return false;
  return why === null;
}
