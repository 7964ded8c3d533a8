/**
 * The branches of a discrete action space: a discrete space is one branch of n actions, a
 * multi-discrete space (Gymnasium's MultiDiscrete) K branches of nvec[b], a hybrid space K branches
 * after its continuous dims (src/envs/types.ts HybridSpace). Everything downstream
 * that handles categorical policies (heads, sampling, masks, act(), export) works branch by branch
 * over these sizes, each branch a slice of the logits and of the mask row starting at its offset.
 */
import { MAX_DISCRETE_ACTIONS } from '../rng/categories';
import type { ActionSpace } from './types';

/**
 * The most branches a multi-discrete space may have. The env wrapper passes each branch's size as
 * an override constant (shaders/envs/env_step_multi_discrete.wgsl), and a policy runs one
 * dispatch per branch, so the count is kept small; games rarely need more than a handful.
 */
export const MAX_ACTION_BRANCHES = 8;

/** The sizes of the branches of a discrete, multi-discrete or hybrid space; empty for a box. */
export function actionBranches(space: ActionSpace): readonly number[] {
  if (space.kind === 'discrete') return [space.n];
  if (space.kind === 'multiDiscrete' || space.kind === 'hybrid') return space.nvec;
  return [];
}

/** D: the continuous dims of a box or of a hybrid space's box; 0 for a discrete or multi-discrete space. */
export function continuousActionDims(space: ActionSpace): number {
  if (space.kind === 'box') return space.size;
  if (space.kind === 'hybrid') return space.continuous.size;
  return 0;
}

/**
 * Words of one action row: 1 (discrete), K (multi-discrete), D (box), D + K (hybrid: the D floats
 * first, then the K branch indices).
 */
export function actionWords(space: ActionSpace): number {
  if (space.kind === 'discrete') return 1;
  return continuousActionDims(space) + (space.kind === 'box' ? 0 : space.nvec.length);
}

/** Where each branch starts in a logits or mask row: offsets[b] = Σ_{c<b} sizes[c]. */
export function branchOffsets(sizes: readonly number[]): number[] {
  const offsets: number[] = [];
  let sum = 0;
  for (const size of sizes) {
    offsets.push(sum);
    sum += size;
  }
  return offsets;
}

/**
 * Null when `nvec` is a valid multi-discrete space, else what is wrong with it (a sentence naming
 * the value and what is valid), for the caller to raise with its own context.
 */
export function multiDiscreteProblem(nvec: unknown): string | null {
  if (!Array.isArray(nvec) || nvec.length < 1 || nvec.length > MAX_ACTION_BRANCHES) {
    return `actionSpace.nvec must be an array of 1 to ${MAX_ACTION_BRANCHES} branch sizes (got ${JSON.stringify(nvec)})`;
  }
  const bad = nvec.findIndex((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 1);
  if (bad >= 0) return `actionSpace.nvec[${bad}] must be a positive integer (got ${String(nvec[bad])})`;
  const total = (nvec as number[]).reduce((sum, n) => sum + n, 0);
  if (total > MAX_DISCRETE_ACTIONS) {
    return `actionSpace.nvec must sum to at most ${MAX_DISCRETE_ACTIONS} actions (MAX_DISCRETE_ACTIONS; got ${total} from [${nvec.join(', ')}])`;
  }
  return null;
}

/** Throws a RangeError naming `what` unless `nvec` is a valid multi-discrete space. */
export function checkMultiDiscrete(what: string, nvec: unknown): readonly number[] {
  const problem = multiDiscreteProblem(nvec);
  if (problem) throw new RangeError(`${what}: ${problem}`);
  return nvec as readonly number[];
}

/**
 * Width of the policy head for a space: the D Gaussian means of its continuous part, then the
 * Σ nvec logits of its branches (one slice per branch): Σ nvec for a discrete or multi-discrete
 * space, D for a box, D + Σ nvec for a hybrid one.
 */
export function policyOutputWidth(space: ActionSpace): number {
  return continuousActionDims(space) + actionBranches(space).reduce((sum, n) => sum + n, 0);
}
