/**
 * Parameter initialisation, CleanRL's recipe: orthogonal weights scaled by the layer's gain (√2
 * hidden, 0.01 policy head, 1.0 value head), zero biases, zero extras (a Gaussian policy's log-std
 * starts at 0, σ = 1). Seeded and reproducible: agent g of seed s draws from Philox key (s, stream
 * INIT_STREAM), row = g·layers + layer, so adding agents never changes the existing ones.
 */
import { normalStream } from '../rng/philox-cpu';
import type { MlpLayout } from './mlp-spec';

/** The Philox stream reserved for parameter initialisation. */
export const INIT_STREAM = 0x1717;

/**
 * A rows×cols matrix with orthonormal rows (rows ≤ cols) or columns (rows > cols), times `gain`,
 * from the QR decomposition of a Gaussian matrix with the signs of R's diagonal folded in (the
 * distribution torch.nn.init.orthogonal_ draws from: Haar measure on orthogonal matrices).
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, gaussian: Float64Array): Float64Array {
  // Work on the tall orientation: n ≥ m, orthonormalise the m columns of an n×m matrix.
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const m = tall ? cols : rows;
  const q = Float64Array.from(gaussian.subarray(0, n * m)); // column-major: column j at j·n
  for (let j = 0; j < m; j += 1) {
    // Modified Gram–Schmidt, twice ("twice is enough") for orthogonality to rounding error.
    for (let pass = 0; pass < 2; pass += 1) {
      for (let k = 0; k < j; k += 1) {
        let dot = 0;
        for (let i = 0; i < n; i += 1) dot += q[k * n + i]! * q[j * n + i]!;
        for (let i = 0; i < n; i += 1) q[j * n + i] = q[j * n + i]! - dot * q[k * n + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i += 1) norm += q[j * n + i]! ** 2;
    norm = Math.sqrt(norm);
    // Gram–Schmidt leaves R's diagonal positive, which is exactly the sign correction torch applies.
    for (let i = 0; i < n; i += 1) q[j * n + i] = q[j * n + i]! / norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      out[r * cols + c] = gain * (tall ? q[c * n + r]! : q[r * n + c]!);
    }
  }
  return out;
}

/** Initial parameters of `agents` agents, [agents][parametersPerAgent], as f32. */
export function initialParameters(layout: MlpLayout, seed: number, agents = 1): Float32Array<ArrayBuffer> {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295] (got ${seed})`);
  }
  if (!Number.isInteger(agents) || agents < 1) throw new RangeError(`agents must be a positive integer (got ${agents})`);
  const out = new Float32Array(agents * layout.parametersPerAgent);
  for (let g = 0; g < agents; g += 1) {
    const base = g * layout.parametersPerAgent;
    layout.layers.forEach((layer, index) => {
      const { outputSize: rows, inputSize: cols } = layer;
      const gaussian = normalStream(seed, INIT_STREAM, g * layout.layers.length + index, rows * cols);
      out.set(orthogonalMatrix(rows, cols, layer.gain, gaussian), base + layer.weight.offset);
    });
  }
  return out;
}
