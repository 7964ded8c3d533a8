/**
 * The loss kernels (shaders/losses/*.wgsl): per minibatch row, the loss value (into the statistics
 * terms) and the upstream coefficients the head backward kernels consume (src/nn/heads.ts):
 * ∂L/∂log π[r] (surrogate), ∂L/∂H[r] (entropy bonus), ∂L/∂KL[r] (KL penalty), and ∂L/∂V[r] for the
 * critic (value loss). Each loss is a mean over the agent's M minibatch rows, so the coefficients
 * carry 1/M and the agent's coefficient (ent_coef, vf_coef, β: LossCoefficients in a GPU buffer).
 *
 * An algorithm's loss is a sum of parts, one dispatch each, all reading the same coefficients:
 *   REINFORCE / vanilla PG   surrogate 'weighted' (w = return, reward-to-go or advantage)
 *   behaviour cloning        surrogate 'clone'
 *   off-policy per-step IS   surrogate 'importance'
 *   off-policy trajectory IS trajectoryWeights over the rollout, then surrogate 'trajectory'
 *   PPO-clip                 surrogate 'clip' + valueLoss (clipped) + entropyBonus
 *   PPO-KL penalty           surrogate 'importance' + klPenalty + valueLoss + entropyBonus
 * Kernel specs without sizes are exported for reading and the catalogue; factories validate sizes.
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import { checkPositiveInteger, checkWorkgroupSize, flag } from '../nn/heads-common';
import { minibatchRowsPerAgent } from './layout';
import approxKlWgsl from '../../shaders/losses/approx_kl.wgsl';
import commonWgsl from '../../shaders/losses/common.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import trajectoryWeightsWgsl from '../../shaders/losses/trajectory_weights.wgsl';
import surrogateWgsl from '../../shaders/losses/surrogate.wgsl';
import entropyBonusWgsl from '../../shaders/losses/entropy_bonus.wgsl';
import klPenaltyWgsl from '../../shaders/losses/kl_penalty.wgsl';
import valueLossWgsl from '../../shaders/losses/value_loss.wgsl';

/** A kernel sized for one batch: dispatch `invocations` threads. */

const WORKGROUP = 64;

const lossParts = (kernel: ShaderPart) => [
  dispatchWgsl,
  commonWgsl,
  approxKlWgsl,
  kernel,
];

/**
 * The policy surrogate; OBJECTIVE selects it (SURROGATE_OBJECTIVES). Bindings: log_probs (new),
 * old_log_probs, advantages (Â, or the REINFORCE weight w), trajectory_weights (ρ̄; read by
 * 'trajectory' only), coefficients, log_prob_grads (∂L/∂log π), terms.
 */
export const SURROGATE_LOSS: KernelSpec = {
  label: 'losses.surrogate',
  parts: lossParts(surrogateWgsl),
  workgroupSize: WORKGROUP,
};

/** entropy_grads[r] = −c/M; term entropy = H[r]. Bindings: entropies, coefficients, entropy_grads, terms. */
export const ENTROPY_BONUS: KernelSpec = {
  label: 'losses.entropy_bonus',
  parts: lossParts(entropyBonusWgsl),
  workgroupSize: WORKGROUP,
};

/** kl_grads[r] = β/M; term kl_penalty = β·KL[r]. Bindings: kl, coefficients, kl_grads, terms. */
export const KL_PENALTY: KernelSpec = {
  label: 'losses.kl_penalty',
  parts: lossParts(klPenaltyWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * Value loss ½(V − R)², or CleanRL's clipped form; value_grads[r] = c_v·∂ℓ/∂V/M. Bindings: values,
 * returns (the targets R), old_values (V at collection; read only when clipped), coefficients,
 * value_grads, terms.
 */
export const VALUE_LOSS: KernelSpec = {
  label: 'losses.value_loss',
  parts: lossParts(valueLossWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * Trajectory weights ρ̄[t][n] over a rollout [T][N]. Bindings: log_probs (the current policy's log π
 * on the rollout), old_log_probs (behaviour), terminated (u32), truncated (u32), weights.
 */
export const TRAJECTORY_WEIGHTS: KernelSpec = {
  label: 'losses.trajectory_weights',
  parts: [dispatchWgsl, trajectoryWeightsWgsl],
  workgroupSize: WORKGROUP,
};

/** The surrogate objectives, by their OBJECTIVE override value (see shaders/losses/surrogate.wgsl). */
export const SURROGATE_OBJECTIVES = {
  /** REINFORCE −w·log π, w detached (a return, reward-to-go or advantage). */
  weighted: 0,
  /** Behaviour cloning −log π (w = 1). */
  clone: 1,
  /** Off-policy per-timestep −r·Â, r = π/π_old. */
  importance: 2,
  /** PPO-clip −min(r·Â, clip(r, 1 − ε, 1 + ε)·Â). */
  clip: 3,
  /** Off-policy trajectory-level −ρ̄·Â·log π, ρ̄ from trajectoryWeightsKernel, detached. */
  trajectory: 4,
} as const;

export type SurrogateObjective = keyof typeof SURROGATE_OBJECTIVES;

/** Sizes shared by the per-row loss kernels. */
export interface MinibatchLossConfig {
  /** G: agents; minibatch rows are agent-major. */
  readonly agents: number;
  /** Rows of one agent's batch (T·N/G for an on-policy rollout). */
  readonly batchPerAgent: number;
  /** Minibatches per epoch; must divide batchPerAgent. M = batchPerAgent / minibatches. */
  readonly minibatches: number;
  /** Add to the statistics terms instead of overwriting them (average over every update); default false. */
  readonly accumulateTerms?: boolean;
  readonly workgroupSize?: number;
}

function minibatchConstants(what: string, config: MinibatchLossConfig): { constants: Record<string, number>; rows: number } {
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const rowsPerAgent = minibatchRowsPerAgent(config.batchPerAgent, config.minibatches);
  const rows = agents * rowsPerAgent;
  if (rows * 8 > 0xffffffff) throw new RangeError(`${what}: ${rows} rows × 8 terms do not fit u32 indices`);
  return { constants: { ROWS: rows, ROWS_PER_AGENT: rowsPerAgent, ACCUMULATE_TERMS: flag(config.accumulateTerms) }, rows };
}

function sizedLoss(base: KernelSpec, what: string, config: MinibatchLossConfig, extra: Record<string, number> = {}): SizedKernel {
  const { constants, rows } = minibatchConstants(what, config);
  const workgroupSize = checkWorkgroupSize(what, config.workgroupSize ?? base.workgroupSize);
  return { spec: { ...base, workgroupSize, constants: { ...constants, ...extra } }, invocations: rows };
}

/** SURROGATE_LOSS for `objective`; one invocation per minibatch row. */
export function surrogateLossKernel(config: MinibatchLossConfig & { readonly objective: SurrogateObjective }): SizedKernel {
  const what = 'surrogateLoss';
  const objective = SURROGATE_OBJECTIVES[config.objective];
  if (objective === undefined) {
    throw new RangeError(`${what}.objective must be one of ${Object.keys(SURROGATE_OBJECTIVES).join(', ')} (got ${String(config.objective)})`);
  }
  return sizedLoss(SURROGATE_LOSS, what, config, { OBJECTIVE: objective });
}

/** ENTROPY_BONUS; one invocation per minibatch row. */
export function entropyBonusKernel(config: MinibatchLossConfig): SizedKernel {
  return sizedLoss(ENTROPY_BONUS, 'entropyBonus', config);
}

/** KL_PENALTY; one invocation per minibatch row. */
export function klPenaltyKernel(config: MinibatchLossConfig): SizedKernel {
  return sizedLoss(KL_PENALTY, 'klPenalty', config);
}

/** VALUE_LOSS, plain or clipped; one invocation per minibatch row. */
export function valueLossKernel(config: MinibatchLossConfig & { readonly clipped?: boolean }): SizedKernel {
  return sizedLoss(VALUE_LOSS, 'valueLoss', config, { CLIPPED: flag(config.clipped) });
}

/** Sizes and options of the trajectory weights over a rollout [T][N]. */
export interface TrajectoryWeightsConfig {
  readonly steps: number;
  readonly envs: number;
  /** Truncated IS: ρ̄ = min(ρ, cap), cap > 0 and finite; absent: no cap. */
  readonly cap?: number;
  /** Per-decision weights (product over the segment's steps up to t); default false (whole segment). */
  readonly perDecision?: boolean;
  readonly workgroupSize?: number;
}

/** TRAJECTORY_WEIGHTS; one invocation per env. */
export function trajectoryWeightsKernel(config: TrajectoryWeightsConfig): SizedKernel {
  const what = 'trajectoryWeights';
  const steps = checkPositiveInteger(`${what}.steps`, config.steps);
  const envs = checkPositiveInteger(`${what}.envs`, config.envs);
  if (steps * envs > 0xffffffff) throw new RangeError(`${what}: steps·envs = ${steps * envs} does not fit u32 indices`);
  const cap = config.cap;
  if (cap !== undefined && (typeof cap !== 'number' || !Number.isFinite(cap) || cap <= 0)) {
    throw new RangeError(`${what}.cap must be a finite number > 0, or absent for no cap (got ${String(cap)})`);
  }
  if (cap !== undefined && !Number.isFinite(Math.fround(cap))) {
    throw new RangeError(`${what}.cap must be representable as f32 (got ${cap})`);
  }
  const workgroupSize = checkWorkgroupSize(what, config.workgroupSize ?? WORKGROUP);
  const constants = {
    STEPS: steps,
    ENVS: envs,
    PER_DECISION: flag(config.perDecision),
    HAS_CAP: flag(cap !== undefined),
    CAP: cap ?? 1,
  };
  return { spec: { ...TRAJECTORY_WEIGHTS, workgroupSize, constants }, invocations: envs };
}

/** One sized spec of every loss kernel, with representative sizes, for the kernel catalogue. */
export function lossKernelExamples(): KernelSpec[] {
  const minibatch = { agents: 3, batchPerAgent: 123, minibatches: 3, accumulateTerms: true };
  return [
    ...Object.keys(SURROGATE_OBJECTIVES).map((objective) => surrogateLossKernel({ ...minibatch, objective: objective as SurrogateObjective })),
    entropyBonusKernel(minibatch),
    klPenaltyKernel(minibatch),
    valueLossKernel({ ...minibatch, clipped: true }),
    trajectoryWeightsKernel({ steps: 123, envs: 7, cap: 10 }),
  ].map((kernel) => kernel.spec);
}
