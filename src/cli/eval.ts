/**
 * `webgpu-rl eval --checkpoint <file> --episodes <n>`: plays a checkpoint's policy greedily on fresh
 * envs of its env (src/agent/evaluate.ts) and prints the returns; the last line is
 * `mean ± std return over n episodes`, for scripts to read. The checkpoint is read and checked
 * before the GPU is acquired, so a bad file ends the command with its name and no adapter line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/agent';
import { evaluateAgent } from '../agent/evaluate';
import { CheckpointFileError, readCheckpointFile } from '../node/file-store';
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '../train/checkpoint';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';

/** The options of `webgpu-rl eval`. */
export interface EvalOptions {
  /** checkpoint.wgrl to play. */
  readonly checkpoint: string;
  /** Episodes to play, one per env, all at once. */
  readonly episodes: number;
  /** Seed of the evaluation envs (evaluateAgent's default when left out). */
  readonly seed?: number;
  /** Sample actions instead of taking the greedy ones. */
  readonly stochastic?: boolean;
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer (got '${value}')`);
    return n;
  };
}

/**
 * Reads and checks a checkpoint for `eval` without touching the GPU: the file, its format and
 * digest, an env this build knows whose spaces match the checkpoint's, and a config its trainer
 * accepts (what Agent.load checks before it builds). Every error starts `--checkpoint <file>:`.
 */
export async function loadEvalCheckpoint(path: string): Promise<Checkpoint> {
  try {
    const checkpoint = await decodeCheckpoint(await readCheckpointFile(path));
    if (checkpoint.env.host) {
      throw new CheckpointError(
        `trained on the JavaScript env '${checkpoint.env.id}', which only the game that defines it can step: evaluate it with Agent.load(bytes, { env }) and evaluateAgent`,
      );
    }
    await Agent.check(checkpoint);
    return checkpoint;
  } catch (error) {
    const reason = error instanceof CheckpointFileError ? `cannot read it (${error.code ?? error.message})` : (error as Error).message;
    throw new Error(`--checkpoint ${path}: ${reason}`, { cause: error });
  }
}

/** Plays a checked checkpoint (loadEvalCheckpoint) on `device`; returns the lines the command prints (the last: mean ± std). */
export async function evaluateCheckpoint(device: GPUDevice, checkpoint: Checkpoint, options: Omit<EvalOptions, 'checkpoint'>): Promise<string[]> {
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

/** Loads, checks and plays `options.checkpoint` on `device`; returns the lines the command prints. */
export async function evaluateCheckpointFile(device: GPUDevice, options: EvalOptions): Promise<string[]> {
  return evaluateCheckpoint(device, await loadEvalCheckpoint(options.checkpoint), options);
}

/** The `eval` subcommand: checks the checkpoint, then acquires the GPU and plays it. */
export function evalCommand(): Command {
  return addGpuOptions(new Command('eval'))
    .description("play a checkpoint's policy greedily; the last line is mean ± std return")
    .requiredOption('--checkpoint <file>', 'checkpoint.wgrl written by `train --out` or the Agent API')
    .option('--episodes <n>', 'episodes to play, one per env, all at once (default 10)', positiveInteger('--episodes'), 10)
    .option('--seed <s>', 'seed of the evaluation envs (default 2147483649)', positiveInteger('--seed'))
    .option('--stochastic', 'sample actions instead of the greedy ones')
    .action(async (options: GpuCliOptions & EvalOptions) => {
      const checkpoint = await loadEvalCheckpoint(options.checkpoint);
      // acquireFromCli prints the adapter line.
      const gpu = await acquireFromCli(options);
      try {
        for (const line of await evaluateCheckpoint(gpu.device, checkpoint, options)) console.log(line);
      } finally {
        gpu.release();
      }
    });
}
