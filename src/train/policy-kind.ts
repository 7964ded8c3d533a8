/**
 * The kind of an actor's distribution, apart from the head's kernels (./policy-head.ts), so that
 * what only names it (checkpoints, the trainer's policy, act()) does not load them.
 */
import type { ActionSpace } from '../envs/types';

/**
 * The actor's distribution: 'categorical' (discrete or multi-discrete actions: logits), 'gaussian'
 * (a box: means and a learned log-std) or 'hybrid' (a box and discrete branches: the means, then
 * the logits, src/envs/types.ts HybridSpace).
 */
export type PolicyKind = 'categorical' | 'gaussian' | 'hybrid';

/** The policy kind an action space is learnt with. */
export function policyKindOf(space: ActionSpace): PolicyKind {
  if (space.kind === 'box') return 'gaussian';
  return space.kind === 'hybrid' ? 'hybrid' : 'categorical';
}
