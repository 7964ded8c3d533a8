/**
 * `train --resume <dir | checkpoint.wgrl>`: the checkpoint to continue and the config it continues
 * with, read and checked without the GPU. The run goes on with its own config (the one the checkpoint
 * records: step budget, schedules and network included), so that it ends where the uninterrupted run
 * would have. Flags may restate that config; a flag that asks for something else (another env,
 * algorithm, network, budget, seed) is refused, naming it, before anything is written.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import { findEnv } from '../envs/registry';
import { findMujocoEnvId } from '../mujoco/envs';
import { CheckpointFileError, readCheckpointFile } from '../node/file-store';
import { decodeCheckpoint, type Checkpoint } from '../train/checkpoint';

/** A checked checkpoint to resume, where it was read from, and the config the run continues with. */
export interface ResumePlan {
  /** The checkpoint file. */
  readonly path: string;
  /** The folder the run's files go on in by default: the checkpoint's. */
  readonly folder: string;
  readonly checkpoint: Checkpoint;
  readonly config: TrainerConfig;
}

/** The flags that shape a config, by the config field each sets (for naming a flag in a refusal). */
const FIELD_FLAGS: Readonly<Record<string, string>> = { totalTimesteps: '--steps', seed: '--seed', agents: '--agents', algo: '--algo', env: '--env', selfPlay: '--self-play' };

/** `source` as a checkpoint path: a folder means its checkpoint.wgrl. */
async function checkpointPath(source: string): Promise<string> {
  const info = await stat(source).catch(() => null);
  return info?.isDirectory() ? join(source, 'checkpoint.wgrl') : source;
}

/** Reads and decodes the checkpoint `source` names; every error starts `--resume <source>:`. */
export async function readResumeCheckpoint(source: string): Promise<{ path: string; checkpoint: Checkpoint }> {
  const path = await checkpointPath(source);
  try {
    const checkpoint = await decodeCheckpoint(await readCheckpointFile(path));
    // A MuJoCo env is a JavaScript env the command makes again from its id; a game's own is not.
    if (checkpoint.env.host && !findMujocoEnvId(checkpoint.env.id)) throw new Error(`trained on the JavaScript env '${checkpoint.env.id}', which only the game that defines it can step: resume it with Agent.load(bytes, { env })`);
    if (!checkpoint.state) throw new Error('the checkpoint holds networks only (no trainer state): it can act and export but not resume training');
    return { path, checkpoint };
  } catch (error) {
    const reason = error instanceof CheckpointFileError ? `cannot read it (${error.code ?? error.message})` : (error as Error).message;
    throw new Error(`--resume ${source}: ${reason}`, { cause: error });
  }
}

/** The resolved config's fields as JSON, the env descriptor left out (its id is `env`). */
function comparable(config: TrainerConfig): Record<string, string> {
  const resolved = resolveTrainerConfig(config) as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(resolved).filter(([key]) => key !== 'envDescriptor').map(([key, value]) => [key, JSON.stringify(value)]));
}

/**
 * Throws unless `flagged` (the checkpoint's config with the flags on top) resolves to the same
 * config as `own`: names the first field that differs, the flag that set it, and both values.
 */
export function checkResumeFlags(source: string, own: TrainerConfig, flagged: TrainerConfig): void {
  const ownAlgo = String(own.algo ?? 'ppo');
  const flaggedAlgo = String(flagged.algo ?? 'ppo');
  if (ownAlgo !== flaggedAlgo) {
    throw new RangeError(`--algo ${flaggedAlgo}: the run of --resume ${source} was trained with ${ownAlgo}; a resumed run keeps its own config (leave --algo out)`);
  }
  const a = comparable(own);
  const b = comparable(flagged);
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] === b[key]) continue;
    const flag = FIELD_FLAGS[key] ?? `--config/--preset field ${key}`;
    const extend = key === 'totalTimesteps' ? ', or give --steps above it to extend the run' : '';
    throw new RangeError(
      `${flag}: the run of --resume ${source} has ${key} = ${a[key] ?? 'unset'}, the flags ask for ${b[key] ?? 'unset'}; a resumed run keeps its own config (leave the flag out${extend})`,
    );
  }
}

/** The flags a resumed run may restate: those that shape its config. */
export interface ResumeFlags {
  readonly algo?: string;
  readonly env?: string;
  readonly config?: string;
  readonly preset?: string;
  readonly seed?: number;
  readonly steps?: number;
  readonly agents?: number;
  readonly selfPlay?: boolean;
}

/**
 * The plan of `--resume source`: its checkpoint, checked, and the run's own config. `build(flags,
 * base)` makes a config of flags on top of a base (trainConfigFromOptions: it loads a MuJoCo env
 * by its id); the run's own config is the checkpoint's built with no flags, and the given flags'
 * config must resolve to the same (checkResumeFlags), but for `--steps` above the run's
 * totalTimesteps, which extends the run (Agent.extend's continuation: the run as configured with
 * the new budget from the start, its schedules over the new iterations).
 */
export async function planResume(source: string, flags: ResumeFlags, build: (flags: ResumeFlags, base: Record<string, unknown>) => Promise<TrainerConfig>): Promise<ResumePlan> {
  const { path, checkpoint } = await readResumeCheckpoint(source);
  if (flags.algo !== undefined && flags.algo !== checkpoint.algo) {
    throw new RangeError(`--algo ${flags.algo}: the run of --resume ${source} was trained with ${checkpoint.algo}; a resumed run keeps its own config (leave --algo out)`);
  }
  const envId = flags.env === undefined ? checkpoint.env.id : (findEnv(flags.env)?.id ?? findMujocoEnvId(flags.env) ?? flags.env);
  if (envId !== checkpoint.env.id) {
    throw new RangeError(`--env ${flags.env}: the run of --resume ${source} was trained on ${checkpoint.env.id}; a resumed run keeps its own config (leave --env out)`);
  }
  const runSteps = (checkpoint.config as { totalTimesteps?: number }).totalTimesteps;
  const extended = flags.steps !== undefined && runSteps !== undefined && flags.steps > runSteps;
  let own: TrainerConfig;
  try {
    own = await build(extended ? { steps: flags.steps } : {}, { ...checkpoint.config, algo: checkpoint.algo });
  } catch (error) {
    throw new Error(`--resume ${source}: the checkpoint's config is not one this build accepts (${(error as Error).message})`, { cause: error });
  }
  const numIterations = (resolveTrainerConfig(own) as { numIterations?: number }).numIterations;
  if (numIterations !== undefined && checkpoint.iteration >= numIterations) {
    throw new RangeError(`--resume ${source}: the run is complete (iteration ${checkpoint.iteration} of ${numIterations}): nothing is left to train`);
  }
  if (Object.values(flags).some((value) => value !== undefined)) {
    const flagged = await build(flags, own as unknown as Record<string, unknown>);
    try {
      checkResumeFlags(source, own, flagged);
    } finally {
      // A MuJoCo env the flags loaded anew is not the run's: free its MjData.
      if (flagged.env !== own.env) (flagged.env as { close?: () => void }).close?.();
    }
  }
  return { path, folder: dirname(path), checkpoint, config: own };
}
