/**
 * The randomness of a host env's instances, keyed exactly as the GPU wrapper's
 * (shaders/envs/env_rng.wgsl): key (seed, ENV_STREAM), counter (block, env, phase, episode), phase =
 * the step of the episode being taken or ENV_RESET_PHASE for the reset that starts it. A JavaScript
 * port of a WGSL env that draws in the same order therefore replays the GPU env's episodes from the
 * same seed.
 *
 * Every instance's stream lives in preallocated typed arrays and is re-keyed in place before each
 * step or reset, so drawing allocates nothing (a game may draw for every instance at every step).
 */
import { philox4x32Into, uniformFromBits } from '../rng/philox-cpu';
import { ENV_STREAM } from './kernels';

/** One Philox stream per instance; `start` re-keys one, `next` draws from it. */
export class HostEnvRandoms {
  /** [N][4]: the counter of each instance's next block (block, env, phase, episode). */
  private readonly counters: Uint32Array;
  /** [N][4]: each instance's current block of four words. */
  private readonly blocks: Uint32Array;
  /** [N]: words of the current block already used (4: compute a block at the next draw). */
  private readonly used: Uint8Array;

  constructor(
    private readonly seed: number,
    numEnvs: number,
  ) {
    this.counters = new Uint32Array(4 * numEnvs);
    this.blocks = new Uint32Array(4 * numEnvs);
    this.used = new Uint8Array(numEnvs).fill(4);
  }

  /** Re-keys instance `env` for `phase` (a step index or ENV_RESET_PHASE) of `episode`. */
  start(env: number, phase: number, episode: number): void {
    const c = 4 * env;
    this.counters[c] = 0;
    this.counters[c + 1] = env;
    this.counters[c + 2] = phase;
    this.counters[c + 3] = episode;
    this.used[env] = 4;
  }

  /** Writes the key instance `env`'s stream was last started with (start's phase, then episode) at target[at], target[at + 1]. */
  writeKey(env: number, target: Uint32Array, at: number): void {
    target[at] = this.counters[4 * env + 2]!;
    target[at + 1] = this.counters[4 * env + 3]!;
  }

  /** The next uniform in (0, 1) of instance `env`'s stream (uniform_from_bits, as on the GPU). */
  next(env: number): number {
    const c = 4 * env;
    if (this.used[env]! >= 4) {
      const counters = this.counters;
      philox4x32Into(this.blocks, c, counters[c]!, counters[c + 1]!, counters[c + 2]!, counters[c + 3]!, this.seed, ENV_STREAM);
      counters[c] = (counters[c]! + 1) >>> 0;
      this.used[env] = 0;
    }
    const word = this.used[env]!;
    this.used[env] = word + 1;
    return uniformFromBits(this.blocks[c + word]!);
  }
}
