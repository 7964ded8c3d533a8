/**
 * `webgpu-rl eval --checkpoint <file> --episodes <n>`: plays a checkpoint's policy greedily on fresh
 * envs of its env (src/agent/evaluate.ts) and prints the returns; the last line is
 * `mean ± std return over n episodes`, for scripts to read. With `--opponent <name> --games <n>`
 * (a two-player env: ConnectFour-v0) it plays n games against that scripted opponent, or with
 * `--opponent <checkpoint>` against another checkpoint's policy of the same env (in the env's policy
 * seat, sampling its moves), half as first player (src/games/matches.ts); the last line is
 * `win rate W (wins/draws/losses)`. Both checkpoints are read and checked before the GPU is
 * acquired, so a bad file ends the command with its name and no adapter line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/agent';
import { evaluateAgent } from '../agent/evaluate';
import { CheckpointFileError, readCheckpointFile } from '../node/file-store';
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '../train/checkpoint';
import { lookupEnv } from '../envs/registry';
import type { FrozenPolicy } from '../agent/evaluate-policy';
import { evaluateAgentMatches, hasScriptedOpponents, SCRIPTED_OPPONENTS, type ScriptedOpponent } from '../games/matches';
import { mlpLayout } from '../nn/mlp-spec';
import { registerGameEnvs } from './games';
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
  /** A two-player env's scripted opponent, or a checkpoint of the same env, to play matches against (then `games`, not `episodes`). */
  readonly opponent?: string;
  /** Games against `opponent`, half as first player (default 400). */
  readonly games?: number;
}

const OPPONENTS = Object.keys(SCRIPTED_OPPONENTS) as ScriptedOpponent[];

/** An opponent `eval` plays: a scripted one, or another checkpoint's actor, and how the output names it. */
export interface EvalOpponent {
  readonly name: string;
  readonly opponent: ScriptedOpponent | FrozenPolicy;
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
  registerGameEnvs();
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

/**
 * The opponent `--opponent` names, checked before the GPU is acquired: a scripted one of a
 * two-player env, or a checkpoint of the same env with a policy seat to play (its actor, agent 0's
 * parameters, on raw observations); none without the flag, where `--games` is refused.
 */
export async function loadEvalOpponent(checkpoint: Checkpoint, options: Pick<EvalOptions, 'opponent' | 'games'>): Promise<EvalOpponent | undefined> {
  const { opponent } = options;
  if (opponent === undefined) {
    if (options.games !== undefined) throw new Error(`--games ${options.games}: games are played against an --opponent (${OPPONENTS.join(', ')}, or a checkpoint); without one, --episodes`);
    return undefined;
  }
  const env = lookupEnv(checkpoint.env.id);
  if ((OPPONENTS as string[]).includes(opponent)) {
    if (!hasScriptedOpponents(env)) throw new Error(`--opponent ${opponent}: env '${checkpoint.env.id}' has no scripted opponent (a two-player env such as ConnectFour-v0 has)`);
    return { name: opponent, opponent: opponent as ScriptedOpponent };
  }
  const fail = (reason: string): never => {
    throw new Error(`--opponent ${opponent}: ${reason}`);
  };
  const rival = await readCheckpointFile(opponent).then(decodeCheckpoint).catch((error: unknown) =>
    fail(`neither a scripted opponent (${OPPONENTS.join(', ')}) nor a checkpoint: ${error instanceof CheckpointFileError ? `cannot read it (${error.code ?? error.message})` : (error as Error).message}`),
  );
  if (rival.env.id !== checkpoint.env.id) fail(`trained on '${rival.env.id}'; the checkpoint plays '${checkpoint.env.id}' (an opponent checkpoint must be of the same env)`);
  if (!env.policySeat) fail(`env '${env.id}' has no policy seat for a checkpoint to play (EnvDescriptor.policySeat); its scripted opponents: ${OPPONENTS.join(', ')}`);
  if (rival.observationNormaliser) fail('it normalises its observations (normObs); the policy seat plays on raw observations');
  const actor = rival.networks.find((n) => n.name === 'actor') ?? fail(`it has no actor network (networks: ${rival.networks.map((n) => n.name).join(', ')})`);
  const parameters = actor.parameters.subarray(0, mlpLayout(actor.spec).parametersPerAgent);
  return { name: `${opponent} (iteration ${rival.iteration}, ${rival.globalStep} steps)`, opponent: { policy: actor.spec, parameters } };
}

/**
 * Plays a checked checkpoint (loadEvalCheckpoint) on `device`; returns the lines the command prints
 * (the last: mean ± std, or with an opponent the win rate).
 */
export async function evaluateCheckpoint(device: GPUDevice, checkpoint: Checkpoint, options: Omit<EvalOptions, 'checkpoint'>, opponent?: EvalOpponent): Promise<string[]> {
  const against = opponent ?? (await loadEvalOpponent(checkpoint, options));
  if (against) return playMatches(device, checkpoint, against, options);
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
      ...(result.metrics ? [`episode metrics (mean): ${Object.entries(result.metrics).map(([name, values]) => `${name} ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)}`).join(', ')}`] : []),
      `${result.mean.toFixed(2)} ± ${result.std.toFixed(2)} return over ${options.episodes} episodes`,
    ];
  } finally {
    agent.destroy();
  }
}

/** Games against an opponent: a line per seat, then `win rate W (wins/draws/losses)`. */
async function playMatches(device: GPUDevice, checkpoint: Checkpoint, { name, opponent }: EvalOpponent, options: Omit<EvalOptions, 'checkpoint'>): Promise<string[]> {
  const games = options.games ?? 400;
  const agent = await Agent.load(checkpoint, { device, maxActBatch: Math.ceil(games / 2) });
  try {
    const result = await evaluateAgentMatches(agent, {
      opponent,
      games,
      deterministic: !options.stochastic,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    const tally = (t: { wins: number; draws: number; losses: number }) => `${t.wins}/${t.draws}/${t.losses}`;
    return [
      `${checkpoint.algo} on ${checkpoint.env.id}, iteration ${checkpoint.iteration} (${checkpoint.globalStep} steps), ${options.stochastic ? 'sampled' : 'greedy'} moves against ${name}`,
      `as first player ${tally(result.bySeat.first)}, as second ${tally(result.bySeat.second)} (wins/draws/losses)`,
      `win rate ${result.winRate.toFixed(3)} (${tally(result)})`,
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
    .description("play a checkpoint's policy greedily; the last line is mean ± std return (with --opponent: the win rate)")
    .requiredOption('--checkpoint <file>', 'checkpoint.wgrl written by `train --out` or the Agent API')
    .option('--episodes <n>', 'episodes to play, one per env, all at once (default 10)', positiveInteger('--episodes'), 10)
    .option('--seed <s>', 'seed of the evaluation envs (default 2147483649)', positiveInteger('--seed'))
    .option('--stochastic', 'sample actions instead of the greedy ones')
    .option('--opponent <name|checkpoint>', `a two-player env's opponent to play matches against: ${OPPONENTS.join(', ')}, or a checkpoint.wgrl of the same env`)
    .option('--games <n>', 'games against --opponent, half as first player (default 400)', positiveInteger('--games'))
    .action(async (options: GpuCliOptions & EvalOptions) => {
      const checkpoint = await loadEvalCheckpoint(options.checkpoint);
      const opponent = await loadEvalOpponent(checkpoint, options);
      // acquireFromCli prints the adapter line.
      const gpu = await acquireFromCli(options);
      try {
        for (const line of await evaluateCheckpoint(gpu.device, checkpoint, options, opponent)) console.log(line);
      } finally {
        gpu.release();
      }
    });
}
