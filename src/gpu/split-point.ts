/**
 * Split points: places in a command encoder's recording where the work may be cut into separately
 * submitted command buffers. The code that records (a rollout, an update) marks them; the code that
 * submits (the iteration loop, src/train/loop.ts) decides what a split does, by installing a handler
 * on the encoder it hands out. Kept at the bottom layer so that recorders need not know the loop.
 */

/** Where `splitPoint` finds the handler of an encoder. */
const splitHandlers = new WeakMap<GPUCommandEncoder, (after?: () => Promise<void>) => void>();

/** Installs what `splitPoint(encoder, …)` does: the iteration loop's segmenter. */
export function setSplitHandler(encoder: GPUCommandEncoder, handler: (after?: () => Promise<void>) => void): void {
  splitHandlers.set(encoder, handler);
}

/**
 * Marks a point between commands where an iteration may be cut into separately submitted segments:
 * with `after`, host work that must run between them (a JavaScript env's step: the segment before
 * writes the actions it reads, the one after reads what it uploads); without, a place where a paced
 * loop may let a frame go by. Outside a loop's encoder (tests recording directly), a point without
 * `after` is nothing, and one with `after` is an error: that work needs the loop.
 */
export function splitPoint(encoder: GPUCommandEncoder, after?: () => Promise<void>): void {
  const split = splitHandlers.get(encoder);
  if (split) split(after);
  else if (after) throw new Error('this encoder cannot be split for host work: record it through the iteration loop (createIterationLoop)');
}
