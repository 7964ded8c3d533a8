/**
 * The hook the peers plug into (bench/peers/, bench/browser/): a peer is a runner that trains the
 * same PPO configuration as webgpu-rl (CartPole-v1, 64-64 tanh actor and critic, 128 steps, 4 epochs,
 * 4 minibatches, CleanRL's defaults otherwise) at N envs, as a user of that library would write it,
 * and says whether it learned. The runner (bench/commands/ppo.ts) calls every peer at its env counts
 * (PEER_ENV_COUNTS, N = 64 and 1 024, unless the peer names its own) in the same run and reports
 * SPS and the ratio webgpu-rl / peer. A peer that cannot run on this machine (an optional
 * dependency missing) throws PeerSkipped, and the suite goes on without it.
 *
 * bench/peers/index.ts, when it exists, exports `peers: PeerRunner[]` (found with import.meta.glob,
 * so the suite builds and runs without it). PeerResult's required fields are the
 * brief's { name, sps, learned, notes } and the N it ran at.
 */

/** What the runner asks of a peer. */
export interface PeerRunOptions {
  /** Always 'CartPole-v1' (the comparison's env). */
  readonly env: 'CartPole-v1';
  /** N: parallel envs. */
  readonly numEnvs: number;
  /** CI's quick mode: a few seconds, no thresholds. */
  readonly quick: boolean;
  /** Seconds the peer may spend on this case (a guide; it must still measure after its warm-up). */
  readonly budgetSeconds: number;
  /** Run cases a peer skips on a software adapter for their length (minutes per iteration). */
  readonly exhaustive?: boolean;
}

/** What a peer measured. */
export interface PeerResult {
  /** E.g. 'TF.js CPU (Node)', 'TF.js WebGPU (Chromium)'. */
  readonly name: string;
  readonly numEnvs: number;
  /** Full-training env steps per second after its warm-up (rollout + returns + update). */
  readonly sps: number;
  /** Whether its return rose during the run (checked by the peer in the same run). */
  readonly learned: boolean;
  /** Iterations timed, the returns that decided `learned`, the backend, what was shortened. */
  readonly notes: string;
  /** Iterations run, warm-up included (optional). */
  readonly iterations?: number;
  /** Mean return of the last ≤ 100 episodes after each iteration (optional; the evidence for `learned`). */
  readonly returnsByIteration?: readonly number[];
  /**
   * webgpu-rl measured beside the peer where the suite's Node run is not its like (the browser
   * peer: same page, same WebGPU implementation): the ratio is then taken against this number.
   */
  readonly webgpuRlBeside?: { readonly sps: number; readonly where: string };
}

export interface PeerRunner {
  readonly name: string;
  /** The N it runs at (default PEER_ENV_COUNTS); quick mode runs the first. */
  readonly envCounts?: readonly number[];
  run(options: PeerRunOptions): Promise<PeerResult>;
}

/** The env counts of the peer comparison (the suite's). */
export const PEER_ENV_COUNTS = [64, 1024] as const;

/**
 * Thrown by a peer that cannot run here (e.g. its interpreter or library is not installed): the
 * suite notes the message, which should say how to install what is missing, instead of a failure.
 */
export class PeerSkipped extends Error {
  override readonly name = 'PeerSkipped';
}
