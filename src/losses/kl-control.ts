/**
 * The KL controls of the PPO family, decided on the GPU so the epoch loop never waits for the CPU:
 * CleanRL's early stop (`target_kl`: switch an agent's optimiser off for the rest of the iteration
 * once the approx_kl of an epoch's last minibatch exceeds the target) and PPO's adaptive penalty
 * (β halved or doubled from the iteration's mean approx_kl). Specs without sizes are exported for
 * reading and the catalogue; the factories check sizes and fill the constants.
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';
import { checkPositiveInteger, sized } from '../nn/heads-common';
import { LOSS_COEFFICIENT, LOSS_COEFFICIENT_WORDS } from './layout';
import { STATISTICS, STATISTICS_WORDS } from './statistics';
import approxKlWgsl from '../../shaders/losses/approx_kl.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import klAdaptBetaWgsl from '../../shaders/losses/kl_adapt_beta.wgsl';
import klEarlyStopWgsl from '../../shaders/losses/kl_early_stop.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';

const WORKGROUP = 64;

/** Bindings: log_probs, old_log_probs (one minibatch, agent-major), active_flags (the optimiser's u32 [G]), epochs (f32 [G]). */
export const KL_EARLY_STOP: KernelSpec = {
  label: 'losses.kl_early_stop',
  parts: [dispatchWgsl, reduceWgsl, approxKlWgsl, klEarlyStopWgsl],
  workgroupSize: WORKGROUP,
};

/** Bindings: statistics (f32 [G][STATISTICS_WORDS]), coefficients (f32 [G][LOSS_COEFFICIENT_WORDS]). */
export const KL_ADAPT_BETA: KernelSpec = {
  label: 'losses.kl_adapt_beta',
  parts: [dispatchWgsl, klAdaptBetaWgsl],
  workgroupSize: WORKGROUP,
};

function checkTarget(what: string, targetKl: number): number {
  if (typeof targetKl !== 'number' || !Number.isFinite(targetKl) || targetKl <= 0) {
    throw new RangeError(`${what}.targetKl must be a finite number > 0 (got ${String(targetKl)})`);
  }
  return targetKl;
}

/** KL_EARLY_STOP for G agents of M minibatch rows each; one workgroup per agent. */
export function klEarlyStopKernel(config: { readonly agents: number; readonly rowsPerAgent: number; readonly targetKl: number }): SizedKernel {
  const what = 'klEarlyStop';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const constants = { AGENTS: agents, ROWS_PER_AGENT: checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent), TARGET_KL: checkTarget(what, config.targetKl) };
  return sized(KL_EARLY_STOP, what, constants, agents * WORKGROUP, WORKGROUP);
}

/** KL_ADAPT_BETA for G agents; one invocation per agent. */
export function klAdaptBetaKernel(config: { readonly agents: number; readonly targetKl: number }): SizedKernel {
  const what = 'klAdaptBeta';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const constants = {
    AGENTS: agents,
    TARGET_KL: checkTarget(what, config.targetKl),
    STATISTICS_WORDS,
    APPROX_KL_WORD: STATISTICS.approx_kl,
    COEFFICIENT_WORDS: LOSS_COEFFICIENT_WORDS,
    KL_BETA_WORD: LOSS_COEFFICIENT.klBeta,
  };
  return sized(KL_ADAPT_BETA, what, constants, agents);
}

/** Representative specs for the kernel catalogue. */
export function klControlKernelExamples(): KernelSpec[] {
  return [klEarlyStopKernel({ agents: 3, rowsPerAgent: 123, targetKl: 0.015 }).spec, klAdaptBetaKernel({ agents: 3, targetKl: 0.01 }).spec];
}
