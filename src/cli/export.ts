/**
 * `webgpu-rl export --checkpoint <file> --out <policy.onnx>`: writes one agent's policy from a
 * checkpoint.wgrl as an ONNX model (src/export/onnx.ts: observations in, logits (one 'logits_b' per
 * branch), the Gaussian mean and log-std, or a hybrid policy's mean and branch logits out, the
 * observation normaliser folded in). No GPU is used. The model is written to a temporary
 * file beside --out and renamed over it, so an interrupted export never leaves a partial model.
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { onnxPolicyFromCheckpoint } from '../export/from-checkpoint';
import { branchLogitsName, exportPolicyOnnx, type OnnxPolicy } from '../export/onnx';
import { mlpLayout } from '../nn/mlp-spec';
import { writeFileAtomic } from '../node/file-store';
import { decodeCheckpoint } from '../train/checkpoint';

export interface ExportOptions {
  readonly checkpoint: string;
  readonly out: string;
  /** Which of the checkpoint's agents to export (default 0). */
  readonly agent?: number;
}

/** Reads the checkpoint, exports, writes --out; returns the one-line summary the command prints. */
export async function exportOnnxFile(options: ExportOptions): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.checkpoint);
  } catch (error) {
    throw new Error(`--checkpoint ${options.checkpoint}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const checkpoint = await decodeCheckpoint(bytes).catch((error: unknown) => {
    throw new Error(`--checkpoint ${options.checkpoint}: ${(error as Error).message}`);
  });
  const policy = onnxPolicyFromCheckpoint(checkpoint, { agent: options.agent ?? 0 });
  const model = exportPolicyOnnx(policy);

  try {
    await writeFileAtomic(options.out, model);
  } catch (error) {
    throw new Error(`--out ${options.out}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const output = outputsOf(policy);
  return (
    `wrote ${options.out} (${model.byteLength} bytes): ${policy.policy} policy of ${checkpoint.algo} on ${checkpoint.env.id}, ` +
    `observations [batch, ${policy.actor.inputSize}] → ${output}${policy.observationNormaliser ? ', observation normaliser folded in' : ''}`
  );
}

/** The model's outputs in graph order, for the summary line (src/export/onnx.ts lists them). */
function outputsOf(policy: OnnxPolicy): string {
  const layout = mlpLayout(policy.actor);
  const width = layout.layers[layout.headLayer.policy!]!.outputSize;
  const branches = policy.branches ?? [];
  const D = policy.policy === 'categorical' ? 0 : width - branches.reduce((sum, n) => sum + n, 0);
  const outputs = [
    ...(D > 0 ? [`mean [batch, ${D}]`] : []),
    ...(policy.branches ? branches.map((n, b) => `${branchLogitsName(b)} [batch, ${n}]`) : D === 0 ? [`logits [batch, ${width}]`] : []),
    ...(D > 0 ? [`log_std [${D}]`] : []),
  ];
  return outputs.join(', ');
}

function agentOption(value: string): number {
  const agent = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(agent)) throw new InvalidArgumentError(`--agent must be a non-negative integer (got '${value}')`);
  return agent;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a checkpoint\'s policy as an ONNX model (observations → logits, Gaussian mean and log-std, or both for a hybrid policy; normaliser folded in)')
    .requiredOption('--checkpoint <file>', 'checkpoint.wgrl written by `train --out` or the Agent API')
    .requiredOption('--out <file>', 'the ONNX model to write, e.g. policy.onnx')
    .option('--agent <g>', "which of a population's agents to export (default 0)", agentOption)
    .action(async (options: ExportOptions) => {
      console.log(await exportOnnxFile(options));
    });
}
