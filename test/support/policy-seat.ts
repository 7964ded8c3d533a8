/**
 * Replaying a policy seat on the CPU (src/envs/opponent-pool.ts, shaders/envs/env_opponent_*.wgsl):
 * a member's float64 forward pass, the inverse-CDF interval of each action under its masked
 * softmax, the seat's Philox draws, and the member an episode draws from them.
 */
import { philox4x32, uniformFromBits } from '../../src/rng/philox-cpu';
import type { MlpLayout } from '../../src/nn/mlp-spec';

/** The seat's Philox stream ('OPP'), as env_opponent_common.wgsl. */
const OPPONENT_STREAM = 0x4f5050;

/** The float64 forward of one member: hidden layers (tanh), then the policy head. */
export function logits64(layout: MlpLayout, params: Float32Array, obs: Float32Array): Float64Array {
  let x = Float64Array.from(obs);
  for (const layer of layout.layers) {
    const y = new Float64Array(layer.outputSize);
    for (let o = 0; o < layer.outputSize; o += 1) {
      let z = params[layer.bias.offset + o]!;
      for (let i = 0; i < layer.inputSize; i += 1) z += params[layer.weight.offset + o * layer.inputSize + i]! * x[i]!;
      y[o] = layer.activation === 'tanh' ? Math.tanh(z) : z;
    }
    x = y;
  }
  return x;
}

/** The cumulative interval [low, high) of each legal column under the masked softmax (null where masked). */
export function cdfIntervals(logits: Float64Array, mask: Uint32Array): ([number, number] | null)[] {
  const legal = [...logits].map((_, a) => a).filter((a) => mask[a] !== 0);
  const largest = Math.max(...legal.map((a) => logits[a]!));
  const total = legal.reduce((sum, a) => sum + Math.exp(logits[a]! - largest), 0);
  let cumulative = 0;
  return [...logits].map((logit, a) => {
    if (mask[a] === 0) return null;
    const low = cumulative;
    cumulative += Math.exp(logit - largest) / total;
    return [low, cumulative];
  });
}

/** The seat's draws for an episode at step `length` (0: its start), as opponent_rng. */
export function seatDraws(seed: number, env: number, length: number, episode: number): number[] {
  return [...philox4x32([0, env, length, episode], [seed, OPPONENT_STREAM])].map(uniformFromBits);
}

/** The member an episode plays (its first two draws): the newest with probability latestRatio, else one uniformly from the window. */
export function drawnMember(u0: number, u1: number, latestRatio: number, window: number, newest: number): number {
  return u0 < Math.fround(latestRatio) ? newest : Math.min(Math.floor(Math.fround(u1 * window)), window - 1);
}
