/**
 * The PyTorch-CPU peer: CleanRL's ppo.py in PyTorch on the CPU with a NumPy-vectorised CartPole
 * (bench/peers/torch_ppo.py), what a researcher with only a CPU would run. It runs in a Python
 * process of its own; this runner spawns it, reads its one JSON line, and judges learning from the
 * returns it reports, as for every peer (bench/peers/learning.ts judgePeerRun).
 *
 * Optional: when the interpreter is missing or cannot import torch and numpy, the peer throws
 * PeerSkipped naming the install command, so the suite (and CI's quick run) goes on without it.
 * Debian's /usr/bin/python3 by default, since that is where Debian's python3-torch installs;
 * WEBGPU_RL_TORCH_PYTHON points it at another interpreter (a venv with pip's torch, say).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PeerSkipped, type PeerResult, type PeerRunner, type PeerRunOptions } from '../ppo/peer';
import { judgePeerRun, PEER_LEARNING, type LearningMemory } from './learning';

const run = promisify(execFile);

export const TORCH_PEER_NAME = 'PyTorch CPU (CleanRL ppo.py)';
export const TORCH_PYTHON_VARIABLE = 'WEBGPU_RL_TORCH_PYTHON';
export const TORCH_DEFAULT_PYTHON = '/usr/bin/python3';
export const TORCH_INSTALL_COMMAND = 'npm run bench:install-torch';
/** Relative to the package root, where npm runs the suite. */
export const TORCH_SCRIPT = 'bench/peers/torch_ppo.py';
/** CleanRL's default N (4), and the suite's 64 and 1 024. */
export const TORCH_ENV_COUNTS = [4, 64, 1024] as const;

/** The JSON line torch_ppo.py prints. */
export interface TorchPpoOutput {
  readonly sps: number;
  readonly iterations: number;
  /** null before any episode finished. */
  readonly returns_by_iteration: readonly (number | null)[];
  readonly torch: string;
  readonly threads: number;
  readonly blas: string;
}

/** The interpreter: the override when set and not empty, else Debian's. */
export function torchPython(env: NodeJS.ProcessEnv = process.env): string {
  return env[TORCH_PYTHON_VARIABLE]?.trim() || TORCH_DEFAULT_PYTHON;
}

/** The last stdout line that is the script's JSON (anything printed before it is ignored). */
export function parseTorchOutput(stdout: string): TorchPpoOutput {
  const line = stdout.trim().split('\n').reverse().find((l) => l.trimStart().startsWith('{'));
  if (!line) throw new Error(`torch_ppo.py printed no JSON line: ${JSON.stringify(stdout.slice(-300))}`);
  const out = JSON.parse(line) as Partial<TorchPpoOutput>;
  const returns = out.returns_by_iteration;
  if (typeof out.sps !== 'number' || typeof out.iterations !== 'number' || !Array.isArray(returns) || returns.some((r) => r !== null && typeof r !== 'number')) {
    throw new Error(`torch_ppo.py's JSON lacks sps, iterations or returns_by_iteration: ${line}`);
  }
  return { torch: 'unknown', threads: Number.NaN, blas: 'unknown', ...out } as TorchPpoOutput;
}

/** The message of the skip when `python` cannot import torch and numpy (`reason`: what failed). */
export function torchSkipMessage(python: string, reason: string): string {
  return (
    `${python} cannot import torch and numpy (${reason}); install them with \`${TORCH_INSTALL_COMMAND}\` ` +
    `(Debian's python3-torch and python3-numpy, apt-get), or set ${TORCH_PYTHON_VARIABLE} to a Python that has them`
  );
}

/** null when `python` imports torch and numpy, else why not (the interpreter's last error line). */
export async function probeTorch(python: string): Promise<string | null> {
  try {
    await run(python, ['-c', 'import numpy, torch'], { timeout: 60_000 });
    return null;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return 'no such interpreter';
    const last = (e.stderr ?? '').trim().split('\n').at(-1);
    return last || e.message;
  }
}

/**
 * The suite's row from the script's output. Learning is judged as for the TF.js peers
 * (judgePeerRun): on the run itself at N <= 64; at N = 1 024, whose minute holds only about eight
 * iterations (too few gradient steps to clear the bar, as for any PPO), by the N = 64 verdict on
 * the same code provided this run's return did not fall.
 */
export function torchPeerResult(out: TorchPpoOutput, options: Pick<PeerRunOptions, 'numEnvs' | 'quick'>, memory: LearningMemory = new Map()): PeerResult {
  const returnsByIteration = out.returns_by_iteration.map((r) => r ?? Number.NaN);
  const { learned, notes } = judgePeerRun('torch-cpu', { numEnvs: options.numEnvs, quick: options.quick, returnsByIteration }, memory);
  return {
    name: TORCH_PEER_NAME,
    numEnvs: options.numEnvs,
    sps: out.sps,
    learned,
    iterations: out.iterations,
    returnsByIteration,
    notes: `${out.iterations - 1} timed iterations after 1 warm-up; torch ${out.torch}, ${out.threads} threads, BLAS: ${out.blas}; ${notes}`,
  };
}

export interface TorchPeerOptions extends PeerRunOptions {
  readonly seed?: number; // 1
  readonly python?: string; // torchPython()
  readonly script?: string; // TORCH_SCRIPT
}

/** Runs the script once at options.numEnvs; PeerSkipped when torch cannot be imported. */
export async function runTorchCpuPeer(options: TorchPeerOptions, memory: LearningMemory = new Map()): Promise<PeerResult> {
  const python = options.python ?? torchPython();
  const missing = await probeTorch(python);
  if (missing !== null) throw new PeerSkipped(torchSkipMessage(python, missing));
  const args = [options.script ?? TORCH_SCRIPT, '--num-envs', String(options.numEnvs), '--seconds', String(options.budgetSeconds), '--seed', String(options.seed ?? 1)];
  if (options.quick) args.push('--quick');
  // The budget bounds the timed iterations; the warm-up and the last iteration come on top (at
  // N = 1 024 about 10 s each on two shared cores), so the limit is generous.
  const { stdout } = await run(python, args, { timeout: (3 * options.budgetSeconds + 300) * 1000, maxBuffer: 1 << 20 });
  return torchPeerResult(parseTorchOutput(stdout), options, memory);
}

/** The suite's runner (bench/ppo/peer.ts), at N = 4, 64 and 1 024; remembers its N = 64 verdict (PEER_LEARNING) for N = 1 024. */
export const torchCpuPeer: PeerRunner = {
  name: TORCH_PEER_NAME,
  envCounts: TORCH_ENV_COUNTS,
  async run(options) {
    const result = await runTorchCpuPeer(options, PEER_LEARNING);
    console.log(`  torch-cpu N=${options.numEnvs}: ${Math.round(result.sps).toLocaleString('en-US')} SPS; ${result.notes}`);
    return result;
  },
};
