/**
 * Float64 reference of act() (src/agent/policy-inference.ts), composed of the checked references:
 * the observation normaliser's formula (x − μ)/√(σ² + ε) clipped to ±clip (running-normalisers.ts,
 * without the update), the MLP forward (mlp.ts), the masked categorical head and the diagonal
 * Gaussian log-density (heads.ts), and the engine's Philox draws (philox.ts). Plain loops, one agent.
 */
import type { MlpLayout } from '../../src/nn/mlp-spec';
import { GPU_LOG_ZERO, HALF_LOG_TWO_PI, allowsNoAction, categoricalLogProb, maskErrorsOf } from './heads';
import { mlpForward } from './mlp';

/** Per-dim statistics of a frozen observation normaliser. */
export interface NormaliserReference {
  readonly mean: readonly number[];
  readonly variance: readonly number[];
  readonly clip: number;
  readonly epsilon: number;
}

/** clip((x − mean_d)/√(var_d + ε), ±clip) for each row. */
export function normaliseReference(rows: readonly (readonly number[])[], n: NormaliserReference): number[][] {
  return rows.map((row) => row.map((x, d) => Math.min(n.clip, Math.max(-n.clip, (x - n.mean[d]!) / Math.sqrt(n.variance[d]! + n.epsilon)))));
}

/** The rows of a flat [rows][width] array. */
export function rowsOf(flat: ArrayLike<number>, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => Array.from({ length: width }, (_, i) => flat[r * width + i]!));
}

/** Policy head outputs (logits or means) and, given a critic or a 'value' head, V(s), per row. */
export function policyForwardReference(
  network: { actor: MlpLayout; actorParams: ArrayLike<number>; critic?: MlpLayout; criticParams?: ArrayLike<number>; normaliser?: NormaliserReference },
  observations: readonly (readonly number[])[],
): { inputs: number[][]; policyOutputs: number[][]; values?: number[] } {
  const inputs = network.normaliser ? normaliseReference(observations, network.normaliser) : observations.map((row) => [...row]);
  const actor = mlpForward(network.actor, network.actorParams, inputs);
  const policyOutputs = actor.outputs.policy!.map((row) => Array.from(row));
  let values: number[] | undefined;
  if (network.critic) values = mlpForward(network.critic, network.criticParams!, inputs).outputs.value!.map((row) => row[0]!);
  else if (actor.outputs.value) values = actor.outputs.value.map((row) => row[0]!);
  return { inputs, policyOutputs, values };
}

/** The allowed action with the largest logit, the lowest index among equal maxima. */
export function maskedArgmax(logits: readonly number[], mask?: readonly number[]): number {
  let best = -1;
  logits.forEach((l, a) => {
    if ((mask === undefined || mask[a] === 1) && (best < 0 || l > logits[best]!)) best = a;
  });
  if (best < 0) throw new RangeError('maskedArgmax: the mask allows no action');
  return best;
}

/**
 * The greedy head over a batch (shaders/agent/categorical_argmax.wgsl): maskedArgmax and its log p
 * per row, except a row that allows no action, which gets action 0 and log p = GPU_LOG_ZERO and
 * counts in maskErrors; act() rejects a call whose maskErrors is not null, naming firstRow.
 */
export function maskedArgmaxBatch(
  logits: readonly (readonly number[])[],
  masks: readonly (readonly number[] | undefined)[],
): { actions: number[]; logProbs: number[]; maskErrors: { count: number; firstRow: number } | null } {
  const actions = logits.map((l, r) => (allowsNoAction(masks[r]) ? 0 : maskedArgmax(l, masks[r])));
  const logProbs = actions.map((a, r) => (allowsNoAction(masks[r]) ? GPU_LOG_ZERO : categoricalLogProb(logits[r]!, masks[r], a)));
  return { actions, logProbs, maskErrors: maskErrorsOf(masks) };
}

/** Gap between the largest and second-largest allowed logit (Infinity with one allowed action). */
export function argmaxMargin(logits: readonly number[], mask?: readonly number[]): number {
  const allowed = logits.filter((_, a) => mask === undefined || mask[a] === 1).sort((x, y) => y - x);
  return allowed.length < 2 ? Infinity : allowed[0]! - allowed[1]!;
}

/** log N(μ; μ, σ²) summed over dims: the greedy Gaussian action's log-density, −Σ_d (s_d + ½ log 2π). */
export function gaussianModeLogProb(logStd: readonly number[]): number {
  return logStd.reduce((sum, s) => sum - s - HALF_LOG_TWO_PI, 0);
}

/** Each dim clamped to [low_d, high_d]. */
export function clipToBox(action: readonly number[], low: readonly number[], high: readonly number[]): number[] {
  return action.map((a, d) => Math.min(high[d]!, Math.max(low[d]!, a)));
}
