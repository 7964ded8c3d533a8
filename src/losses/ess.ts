/**
 * The effective sample size of every gradient step of an off-policy update, recorded on the GPU
 * (shaders/losses/ess_record.wgsl) into a per-agent history the trainer copies into its report:
 * word 0 counts the steps, word 1 + k holds step k's (Σw)² / (n·Σw²).
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';
import { checkPositiveInteger, sized } from '../nn/heads-common';
import { LOSS_TERM } from './layout';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import essRecordWgsl from '../../shaders/losses/ess_record.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';

const WORKGROUP = 64;

/** Bindings: terms (the statistics' loss terms of one step), history (f32 [G][HISTORY_WORDS]). */
export const ESS_RECORD: KernelSpec = {
  label: 'losses.ess_record',
  parts: [dispatchWgsl, reduceWgsl, essRecordWgsl],
  workgroupSize: WORKGROUP,
};

/** ESS_RECORD for G agents of M rows, keeping `historyWords − 1` steps each; one workgroup per agent. */
export function essRecordKernel(config: { readonly agents: number; readonly rowsPerAgent: number; readonly historyWords: number }): SizedKernel {
  const what = 'essRecord';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const historyWords = checkPositiveInteger(`${what}.historyWords`, config.historyWords);
  if (historyWords < 2) throw new RangeError(`${what}.historyWords must be at least 2 (a count and one step; got ${historyWords})`);
  const constants = {
    AGENTS: agents,
    ROWS_PER_AGENT: checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent),
    HISTORY_WORDS: historyWords,
    TERM_WEIGHT: LOSS_TERM.weight,
    TERM_WEIGHT_SQUARED: LOSS_TERM.weightSquared,
  };
  return sized(ESS_RECORD, what, constants, agents * WORKGROUP, WORKGROUP);
}

/** Representative spec for the kernel catalogue. */
export function essKernelExamples(): KernelSpec[] {
  return [essRecordKernel({ agents: 3, rowsPerAgent: 123, historyWords: 16 }).spec];
}
