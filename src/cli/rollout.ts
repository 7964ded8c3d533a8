/**
 * `webgpu-rl rollout`: the rollout tracer, for checking an env's dynamics from outside. It steps N
 * envs for T steps with a seeded random policy and writes one JSON line per (step, env):
 *   {"t", "env", "state", "action", "reward", "terminated", "truncated", "next_state", "next_obs"}
 * `state` is the state the step started from and `next_state` the state it reached, before any
 * auto-reset, both in Gymnasium's order (the env's stateNames); `next_obs` is the observation of
 * `next_state` (the final observation when the episode ended). After an ended episode, the env's
 * next line starts from the fresh reset state. Numbers are the GPU's float32 values, printed
 * exactly as doubles.
 *
 * Random policy: action of env n at step t from Philox key (seed, POLICY_STREAM), counter
 * (block, n, t, 0), uniforms u = uniformFromBits(word) (in (0, 1)), taken in order: a discrete
 * action is floor(u·n); a multi-discrete action's branch b is floor(u_b·nvec[b]); a box action's
 * dimension d is low_d + (high_d − low_d)·u_d; a hybrid action is its D box dims so (u_0 … u_{D−1}),
 * then its branch b floor(u_{D+b}·nvec[b]), printed as one array of D floats then K indices. The envs draw
 * from their own stream (ENV_STREAM) under the same seed, so a trace is reproducible from
 * (env, envs, seed) alone.
 */
import { access, constants, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { checkGpuErrors } from '../gpu/error-scope';
import { createVectorEnv } from '../envs/vector-env';
import { lookupEnv, registeredEnvNames } from '../envs/registry';
import type { ActionSpace, HybridActions } from '../envs/types';
import { philox4x32, uniformFromBits } from '../rng/philox-cpu';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';
import { registerGameEnvs } from './games';

/** The Philox stream of the tracer's random policy ('POL'). */
export const POLICY_STREAM = 0x504f4c;

export interface RolloutOptions {
  /** Env id or alias. */
  env: string;
  /** Number of envs (N). */
  envs: number;
  /** Steps per env (T). */
  steps: number;
  /** u32 seed of the envs and the policy. */
  seed: number;
  /** Only 'random' for now. */
  policy: string;
}

/** One line of the trace. */
export interface RolloutRecord {
  t: number;
  env: number;
  state: number[];
  action: number | number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  next_state: number[];
  next_obs: number[];
}

/** The random policy's action for env `n` at step `t` (see the file header). */
export function randomPolicyAction(space: ActionSpace, seed: number, t: number, n: number): number | number[] {
  const uniforms = (count: number) => {
    const values: number[] = [];
    for (let block = 0; values.length < count; block += 1) {
      for (const bits of philox4x32([block, n, t, 0], [seed, POLICY_STREAM])) values.push(uniformFromBits(bits));
    }
    return values;
  };
  if (space.kind === 'discrete') return Math.min(space.n - 1, Math.floor(uniforms(1)[0]! * space.n));
  if (space.kind === 'multiDiscrete') {
    const u = uniforms(space.nvec.length);
    return space.nvec.map((n, b) => Math.min(n - 1, Math.floor(u[b]! * n)));
  }
  const box = space.kind === 'hybrid' ? space.continuous : space;
  const u = uniforms(box.size + (space.kind === 'hybrid' ? space.nvec.length : 0));
  const floats = box.low.map((low, d) => low + (box.high[d]! - low) * u[d]!);
  if (space.kind !== 'hybrid') return floats;
  return [...floats, ...space.nvec.map((n, b) => Math.min(n - 1, Math.floor(u[box.size + b]! * n)))];
}

/** The random policy's actions of every env, as writeActions takes them for the space. */
function actionsForEnv(space: ActionSpace, actions: (number | number[])[]): Uint32Array | Float32Array | HybridActions {
  if (space.kind === 'box') return Float32Array.from((actions as number[][]).flat());
  if (space.kind !== 'hybrid') return Uint32Array.from(actions.flat());
  const dims = space.continuous.size;
  const rows = actions as number[][];
  return { continuous: Float32Array.from(rows.flatMap((a) => a.slice(0, dims))), discrete: Uint32Array.from(rows.flatMap((a) => a.slice(dims))) };
}

/** An action as the env saw it: a box's floats (or a hybrid action's) rounded to f32, as the GPU holds them. */
function actionAsSeen(space: ActionSpace, action: number | number[]): number | number[] {
  if (space.kind !== 'box' && space.kind !== 'hybrid') return action;
  const dims = space.kind === 'box' ? space.size : space.continuous.size;
  return (action as number[]).map((a, i) => (i < dims ? Math.fround(a) : a));
}

const positiveInteger = (name: string, value: number) => {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer (got ${value})`);
};

/** Checks the options (naming the flag, the value and what is valid) before any GPU work. */
export function checkRolloutOptions(options: RolloutOptions): void {
  lookupEnv(options.env);
  positiveInteger('envs', options.envs);
  positiveInteger('steps', options.steps);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError(`--seed must be an integer in [0, 4294967295] (got ${options.seed})`);
  }
  if (options.policy !== 'random') throw new RangeError(`--policy must be 'random' (got '${options.policy}')`);
}

/**
 * Runs the trace on `device`, handing each step's N lines (JSON, newline-terminated) to `write`
 * in order (t-major, then env).
 */
export async function traceRollout(
  device: GPUDevice,
  options: RolloutOptions,
  write: (lines: string) => void | Promise<void>,
): Promise<void> {
  checkRolloutOptions(options);
  const env = await createVectorEnv(device, options.env, { numEnvs: options.envs, seed: options.seed });
  try {
    const { stateSize, observationSize, numEnvs } = env;
    const space = env.descriptor.actionSpace;
    const row = (values: Float32Array, n: number, width: number) => Array.from(values.subarray(n * width, (n + 1) * width));
    let states = await checkGpuErrors(device, 'rollout reset', async () => {
      const encoder = device.createCommandEncoder({ label: 'rollout.reset' });
      env.encodeReset(encoder);
      device.queue.submit([encoder.finish()]);
      return (await env.read()).states;
    });
    for (let t = 0; t < options.steps; t += 1) {
      const actions = Array.from({ length: numEnvs }, (_, n) => randomPolicyAction(space, options.seed, t, n));
      env.writeActions(actionsForEnv(space, actions));
      const out = await checkGpuErrors(device, `rollout step ${t}`, async () => {
        const encoder = device.createCommandEncoder({ label: 'rollout.step' });
        env.encodeStep(encoder);
        device.queue.submit([encoder.finish()]);
        return env.read();
      });
      let lines = '';
      for (let n = 0; n < numEnvs; n += 1) {
        const record: RolloutRecord = {
          t,
          env: n,
          state: row(states, n, stateSize),
          // A box action as the env saw it: clipped to the bounds (the policy's draws are inside them).
          action: actionAsSeen(space, actions[n]!),
          reward: out.rewards[n]!,
          terminated: out.terminated[n] === 1,
          truncated: out.truncated[n] === 1,
          next_state: row(out.nextStates, n, stateSize),
          next_obs: row(out.finalObservations, n, observationSize),
        };
        lines += `${JSON.stringify(record)}\n`;
      }
      await write(lines);
      states = out.states;
    }
  } finally {
    env.destroy();
  }
}

const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN);

/**
 * Checks, before any GPU work, that `--out` can be written: its folder exists and is writable, and
 * the path is not a folder. The file itself is opened only once the GPU is up, so a run that fails
 * to start leaves an earlier trace there as it was.
 */
export async function checkOutFile(path: string): Promise<void> {
  const refuse = (reason: string): never => {
    throw new Error(`--out ${path}: cannot write it (${reason})`);
  };
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) refuse('EISDIR: it is a folder');
  try {
    await access(existing ? path : dirname(path), constants.W_OK);
  } catch (error) {
    refuse((error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}

/** The `rollout` subcommand: checks its options and --out, then acquires the GPU and writes the trace. */
export function rolloutCommand(): Command {
  registerGameEnvs();
  return addGpuOptions(new Command('rollout'))
    .description('trace env transitions under a random policy as JSON lines (one per step and env)')
    .requiredOption('--env <id>', `env id or alias: ${registeredEnvNames().join(', ')}`)
    .option('--envs <n>', 'number of envs', integer, 4)
    .option('--steps <t>', 'steps per env', integer, 100)
    .option('--seed <s>', 'u32 seed of the envs and the policy', integer, 0)
    .option('--policy <name>', "the policy: 'random' (uniform discrete / uniform in the box)", 'random')
    .requiredOption('--out <file>', 'output file (JSON lines)')
    .action(async (options: GpuCliOptions & RolloutOptions & { out: string }) => {
      checkRolloutOptions(options);
      await checkOutFile(options.out);
      const gpu = await acquireFromCli(options);
      try {
        const file = await open(options.out, 'w');
        try {
          await traceRollout(gpu.device, options, async (lines) => {
            await file.write(lines);
          });
        } finally {
          await file.close();
        }
        console.log(`wrote ${options.envs * options.steps} transitions of ${lookupEnv(options.env).id} to ${options.out}`);
      } finally {
        gpu.release();
      }
    });
}
