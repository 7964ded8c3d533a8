/**
 * The env wrapper's randomness on the CPU (shaders/envs/env_rng.wgsl): the uniforms env n draws in
 * a step or reset of episode e, from the independent BigInt Philox reference. Key (seed,
 * ENV_STREAM), counter (block, env, phase, episode); phase = the step of the episode, or
 * ENV_RESET_PHASE for a reset. Each block gives four uniforms, used in order.
 */
import { philox4x32, uniformFromBits } from '../philox';

/** src/envs/kernels.ts ENV_STREAM ('ENV'); restated here so a change there is caught. */
export const ENV_STREAM = 0x454e56;
/** Counter word 2 of a reset's draws. */
export const ENV_RESET_PHASE = 0xffffffff;

/** The first `count` uniforms env `env` draws in `phase` of episode `episode` under `seed`. */
export function envUniforms(seed: number, env: number, phase: number, episode: number, count: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < count; block += 1) {
    for (const bits of philox4x32([block, env, phase, episode], [seed, ENV_STREAM])) values.push(uniformFromBits(bits));
  }
  return values.slice(0, count);
}

/** The uniforms of the reset that starts episode `episode` of env `env`. */
export function resetUniforms(seed: number, env: number, episode: number, count: number): number[] {
  return envUniforms(seed, env, ENV_RESET_PHASE, episode, count);
}

/**
 * env_uniform_range(low, high) as f32 arithmetic evaluates it: low + (high − low)·u with each
 * operation rounded to f32 (a GPU may fuse the multiply-add and differ in the last bit).
 */
export function uniformRangeF32(low: number, high: number, u: number): number {
  const lo = Math.fround(low);
  return Math.fround(lo + Math.fround(Math.fround(Math.fround(high) - lo) * u));
}
