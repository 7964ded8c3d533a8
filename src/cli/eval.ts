/**
 * `webgpu-rl eval --checkpoint <file> --episodes <n>`: plays a checkpoint's policy greedily on fresh
 * envs of its env (src/agent/evaluate.ts) and prints the returns; the last line is
 * `mean ± std return over n episodes`, for scripts to read.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/agent';
import { evaluateAgent } from '../agent/evaluate';
import { formatAdapter } from '../gpu/device';
import { readCheckpointFile } from '../node/file-store';
import { decodeCheckpoint } from '../train/checkpoint';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';

export interface EvalOptions {
  readonly checkpoint: string;
  readonly episodes: number;
  readonly seed?: number;
  readonly stochastic?: boolean;
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer (got '${value}')`);
    return n;
  };
}

/** Loads, plays and returns the lines the command prints (the last: mean ± std). */
export async function evaluateCheckpointFile(device: GPUDevice, options: EvalOptions): Promise<string[]> {
  const checkpoint = await decodeCheckpoint(await readCheckpointFile(options.checkpoint)).catch((error: unknown) => {
    throw new Error(`--checkpoint ${options.checkpoint}: ${(error as Error).message}`);
  });
  const agent = await Agent.load(checkpoint, { device, maxActBatch: Math.max(options.episodes, 1) });
  try {
    const result = await evaluateAgent(agent, {
      episodes: options.episodes,
      deterministic: !options.stochastic,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    return [
      `${checkpoint.algo} on ${checkpoint.env.id}, iteration ${checkpoint.iteration} (${checkpoint.globalStep} steps), ${options.stochastic ? 'sampled' : 'greedy'} actions`,
      `returns: ${result.returns.map((r) => r.toFixed(1)).join(' ')}`,
      `${result.mean.toFixed(2)} ± ${result.std.toFixed(2)} return over ${options.episodes} episodes`,
    ];
  } finally {
    agent.destroy();
  }
}

export function evalCommand(): Command {
  return addGpuOptions(new Command('eval'))
    .description("play a checkpoint's policy greedily; the last line is mean ± std return")
    .requiredOption('--checkpoint <file>', 'checkpoint.wgrl written by `train --out` or the Agent API')
    .option('--episodes <n>', 'episodes to play, one per env, all at once (default 10)', positiveInteger('--episodes'), 10)
    .option('--seed <s>', 'seed of the evaluation envs (default 2147483649)', positiveInteger('--seed'))
    .option('--stochastic', 'sample actions instead of the greedy ones')
    .action(async (options: GpuCliOptions & EvalOptions) => {
      const gpu = await acquireFromCli(options);
      try {
        console.log(`adapter: ${formatAdapter(gpu.adapter)}`);
        for (const line of await evaluateCheckpointFile(gpu.device, options)) console.log(line);
      } finally {
        gpu.release();
      }
    });
}
