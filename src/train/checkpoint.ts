/**
 * checkpoint.wgrl, version 1: the trained parameters, until the agent API defines its format.
 * Little-endian:
 *   bytes 0–3   magic "WGRL"
 *   bytes 4–7   u32 format version (1)
 *   bytes 8–11  u32 H, the header's length in bytes
 *   H bytes     UTF-8 JSON header, padded with spaces to a multiple of 4:
 *               { format: 'wgrl-parameters', version: 1, algo, env, seed, globalStep,
 *                 networks: [{ name, spec (src/nn/mlp-spec.ts MlpSpec), offset, length }] }
 *   the data    f32 values; network k's parameters (its flat layout: mlpLayout(spec)) are floats
 *               [offset, offset + length) of this section
 */
import type { MlpSpec } from '../nn/mlp-spec';

export const CHECKPOINT_MAGIC = 'WGRL';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointNetwork {
  readonly name: string;
  readonly spec: MlpSpec;
  readonly parameters: Float32Array;
}

export interface Checkpoint {
  readonly algo: string;
  readonly env: string;
  readonly seed: number;
  readonly globalStep: number;
  readonly networks: readonly CheckpointNetwork[];
}

/** The bytes of checkpoint.wgrl. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  let offset = 0;
  const networks = checkpoint.networks.map((n) => {
    const entry = { name: n.name, spec: n.spec, offset, length: n.parameters.length };
    offset += n.parameters.length;
    return entry;
  });
  const header = { format: 'wgrl-parameters', version: CHECKPOINT_VERSION, algo: checkpoint.algo, env: checkpoint.env, seed: checkpoint.seed, globalStep: checkpoint.globalStep, networks };
  let json = JSON.stringify(header);
  while (new TextEncoder().encode(json).length % 4 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(12 + headerBytes.length + 4 * offset);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  const data = 12 + headerBytes.length;
  for (const [k, n] of checkpoint.networks.entries()) {
    for (let i = 0; i < n.parameters.length; i += 1) view.setFloat32(data + 4 * (networks[k]!.offset + i), n.parameters[i]!, true);
  }
  return out;
}

/** Reads checkpoint.wgrl bytes; throws on a wrong magic, version or size. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC) throw new Error(`not a .wgrl checkpoint (magic '${magic}', expected '${CHECKPOINT_MAGIC}')`);
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) throw new Error(`checkpoint version ${version} is not supported (this build reads ${CHECKPOINT_VERSION})`);
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as {
    algo: string;
    env: string;
    seed: number;
    globalStep: number;
    networks: { name: string; spec: MlpSpec; offset: number; length: number }[];
  };
  const data = 12 + headerLength;
  const networks = header.networks.map((n) => {
    const end = data + 4 * (n.offset + n.length);
    if (end > bytes.byteLength) throw new Error(`checkpoint truncated: network '${n.name}' ends at byte ${end} of ${bytes.byteLength}`);
    const parameters = new Float32Array(n.length);
    for (let i = 0; i < n.length; i += 1) parameters[i] = view.getFloat32(data + 4 * (n.offset + i), true);
    return { name: n.name, spec: n.spec, parameters };
  });
  return { algo: header.algo, env: header.env, seed: header.seed, globalStep: header.globalStep, networks };
}
