/**
 * Evaluation: a policy played on fresh envs (its own env, newly seeded) until each of
 * `episodes` envs has finished one episode; the returns of those first episodes. A tool, not a
 * training loop: every step reads the observations back and acts through act(), which is what a
 * game does with the agent, so it measures the policy the game would get.
 *
 * A JavaScript env is stepped on the CPU between the actions, through the engine's host vector env
 * (the same buffers, so the loop is the same). Its game keeps the instances' state, often by index
 * alone: evaluating on the training env's object would overwrite the training instances' states.
 * So a JavaScript env is evaluated on a separate instance of the game that the caller passes
 * (`options.env`), checked to have the training env's spaces.
 */
import { hostEnvDescriptor, isHostEnvDescriptor, type BatchedHostEnv, type HostEnv } from '../envs/host-env';
import { createHostBackedVectorEnv } from '../envs/host-vector-env';
import type { EnvDescriptor } from '../envs/types';
import { createVectorEnv, type VectorEnv } from '../envs/vector-env';
import { createBufferWithData, destroyBuffer } from '../gpu/buffers';
import { readBufferOnce } from '../gpu/readback';
import type { MlpSpec } from '../nn/mlp-spec';
import type { ActOptions, ActResult } from './policy-inference';

/** Options of evaluateAgent and evaluatePolicy. */
export interface EvaluationOptions {
  /** Episodes to play, one per env, all at once (≤ the agent's maxActBatch). */
  readonly episodes: number;
  /** Seed of the evaluation envs (default 2^31 + 1: not a training seed anyone picks). */
  readonly seed?: number;
  /** Greedy actions (argmax / Gaussian mean); default true. */
  readonly deterministic?: boolean;
  /**
   * For an agent of a JavaScript env (required there, refused otherwise): another instance of the
   * game's env, with the same spaces, whose state is not the training envs'. `episodes` instances of
   * it are made, stepped on the CPU and released when the evaluation ends.
   */
  readonly env?: HostEnv | BatchedHostEnv;
  /**
   * Overrides of a GPU env's parameters for the evaluation envs (EnvDescriptor.params names, e.g.
   * a two-player env's opponent and seat); unknown names are an error. Not for a JavaScript env.
   */
  readonly params?: Partial<Record<string, number>>;
  /**
   * A frozen policy that plays a two-player GPU env's policy seat (EnvDescriptor.policySeat) in
   * every episode, instead of the env's own opponent: its MLP (the env's observation in, one logit
   * per action out) and one parameter set in mlpLayout(policy)'s order. It samples its moves.
   */
  readonly opponent?: FrozenPolicy;
}

/** A policy's network and parameters, frozen (an opponent from a checkpoint). */
export interface FrozenPolicy {
  /** The MLP. */
  readonly policy: MlpSpec;
  /** One parameter set, mlpLayout(policy).parametersPerAgent floats. */
  readonly parameters: Float32Array;
}

/** The result of evaluateAgent and evaluatePolicy: each episode's return and length, and the returns' mean and spread. */
export interface Evaluation {
  /** Each env's first-episode return, in env order. */
  readonly returns: readonly number[];
  /** Mean of `returns`. */
  readonly mean: number;
  /** Population standard deviation (0 for one episode). */
  readonly std: number;
  /** Each episode's length in steps, in env order. */
  readonly lengths: readonly number[];
  /** An env with episode metrics (EnvDescriptor.episodeMetrics): each metric's value at each episode's end, in env order. */
  readonly metrics?: Readonly<Record<string, readonly number[]>>;
}

/** Each env's first episode: its return, length and metrics, once it has ended. */
class FirstEpisodes {
  readonly returns: number[];
  readonly lengths: number[];
  /** [metric][env]. */
  readonly metrics: number[][];
  open: number;

  constructor(
    readonly episodes: number,
    readonly names: readonly string[],
  ) {
    this.returns = new Array<number>(episodes).fill(Number.NaN);
    this.lengths = new Array<number>(episodes).fill(0);
    this.metrics = names.map(() => new Array<number>(episodes).fill(Number.NaN));
    this.open = episodes;
  }

  /** Reads the episodes that ended at the last step and keeps each env's first. */
  async record(device: GPUDevice, env: VectorEnv): Promise<void> {
    const { names, metrics } = this;
    const ended = new Float32Array(await readBufferOnce(device, env.buffers.episodeReturns));
    const endedLengths = new Uint32Array(await readBufferOnce(device, env.buffers.episodeLengths));
    // [N][metric]: the values of the episodes that ended at this step (0 elsewhere).
    const endedMetrics = names.length > 0 ? new Float32Array(await readBufferOnce(device, env.buffers.episodeMetrics!)) : undefined;
    for (let n = 0; n < this.episodes; n += 1) {
      if (Number.isNaN(this.returns[n]!) && endedLengths[n]! > 0) {
        this.returns[n] = ended[n]!;
        this.lengths[n] = endedLengths[n]!;
        metrics.forEach((values, m) => (values[n] = endedMetrics![n * names.length + m]!));
        this.open -= 1;
      }
    }
  }

  evaluation(): Evaluation {
    const { returns, lengths, names, metrics, episodes } = this;
    const mean = returns.reduce((s, r) => s + r, 0) / episodes;
    const std = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / episodes);
    return { returns, mean, std, lengths, ...(names.length > 0 ? { metrics: Object.fromEntries(names.map((name, m) => [name, metrics[m]!])) } : {}) };
  }
}

/** Actions for a batch of observations, as Agent.act() gives them. */
export type ActFunction = (observations: Float32Array, options: ActOptions) => Promise<ActResult>;

/**
 * Plays `episodes` episodes of `descriptor` on `device` (a JavaScript env's: on `options.env`), each step's actions from `act`:
 * what evaluateAgent does, for a caller with a policy but no Agent (the CLI's periodic evaluation).
 */
export async function evaluatePolicy(device: GPUDevice, descriptor: EnvDescriptor, act: ActFunction, options: EvaluationOptions): Promise<Evaluation> {
  const { episodes } = options;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate: episodes must be a positive integer (got ${String(episodes)})`);
  const { env, step: stepEnvs } = await evaluationEnvs(device, descriptor, options);
  try {
    const encoder = device.createCommandEncoder({ label: 'evaluate.reset' });
    env.encodeReset(encoder);
    device.queue.submit([encoder.finish()]);
    const first = new FirstEpisodes(episodes, descriptor.episodeMetrics ?? []);
    for (let step = 0; first.open > 0 && step < env.maxEpisodeSteps; step += 1) {
      const observations = new Float32Array(await readBufferOnce(device, env.buffers.observations));
      // The env's own masks of these observations: the policy chooses among the legal actions, as in training.
      const actionMask = env.buffers.masks ? new Uint32Array(await readBufferOnce(device, env.buffers.masks)) : undefined;
      const { actions, discreteActions } = await act(observations, { deterministic: options.deterministic ?? true, ...(actionMask ? { actionMask } : {}) });
      // A hybrid env takes its actions as act() returns them, the two parts apart; the env lays them
      // out as its rows of D floats then K branch words.
      env.writeActions(discreteActions ? { continuous: actions as Float32Array, discrete: discreteActions } : actions);
      await stepEnvs();
      await first.record(device, env);
    }
    return first.evaluation();
  } finally {
    env.destroy();
  }
}

/** Puts `opponent` in the env's one-member pool (through a staging buffer freed once the copy is submitted). */
function seatOpponent(device: GPUDevice, env: VectorEnv, opponent: FrozenPolicy): void {
  const expected = env.opponentPool!.layout.parametersPerAgent;
  if (!(opponent.parameters instanceof Float32Array) || opponent.parameters.length < expected) {
    env.destroy();
    throw new RangeError(`evaluate: options.opponent.parameters must be a Float32Array of ${expected} floats for its policy (got ${opponent.parameters?.length})`);
  }
  const staging = createBufferWithData(device, 'evaluate.opponent', opponent.parameters.subarray(0, expected));
  const encoder = device.createCommandEncoder({ label: 'evaluate.opponent' });
  env.opponentPool!.encodeSnapshot(encoder, staging);
  device.queue.submit([encoder.finish()]);
  destroyBuffer(device, staging);
}

/** The envs an evaluation plays and their step: GPU envs of `descriptor`, or a JavaScript env's separate instance (see the file comment). */
async function evaluationEnvs(device: GPUDevice, descriptor: EnvDescriptor, options: EvaluationOptions): Promise<{ env: VectorEnv; step: () => Promise<void> }> {
  const seed = options.seed ?? 0x80000001;
  if (!isHostEnvDescriptor(descriptor)) {
    if (options.env !== undefined) throw new RangeError(`evaluate: options.env is for a JavaScript env; env '${descriptor.id}' runs on the GPU (leave options.env out)`);
    const opponentPool = options.opponent ? { policy: options.opponent.policy, window: 1, latestRatio: 1, probability: 1 } : undefined;
    const env = await createVectorEnv(device, descriptor, { numEnvs: options.episodes, seed, ...(options.params ? { params: options.params } : {}), ...(opponentPool ? { opponentPool } : {}) });
    if (options.opponent) seatOpponent(device, env, options.opponent);
    const step = async () => {
      const encoder = device.createCommandEncoder({ label: 'evaluate.step' });
      env.encodeStep(encoder);
      device.queue.submit([encoder.finish()]);
    };
    return { env, step };
  }
  if (options.opponent !== undefined) throw new RangeError(`evaluate: options.opponent plays a GPU env's policy seat; env '${descriptor.id}' is a JavaScript env`);
  if (options.params !== undefined) throw new RangeError(`evaluate: options.params sets a GPU env's parameters; env '${descriptor.id}' is a JavaScript env (configure the instance passed as options.env)`);
  if (options.env === undefined || options.env === descriptor.host) {
    throw new RangeError(
      `evaluate: env '${descriptor.id}' is a JavaScript env: pass options.env, a separate instance of it (${options.env === undefined ? 'none was given' : 'the training env itself was given'}: evaluating on it would overwrite the training instances' states)`,
    );
  }
  const separate = hostEnvDescriptor(options.env);
  const spaces = (d: EnvDescriptor) => JSON.stringify([d.observationSpace.size, d.actionSpace]);
  if (spaces(separate) !== spaces(descriptor)) {
    throw new RangeError(`evaluate: options.env '${separate.id}' has [observation size, action space] ${spaces(separate)}; the agent's env '${descriptor.id}' has ${spaces(descriptor)}`);
  }
  const env = await createHostBackedVectorEnv(device, separate, { numEnvs: options.episodes, seed });
  return { env, step: () => env.hostStep() };
}
