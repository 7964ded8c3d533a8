/**
 * The hyperparameter form of the Train panel: which of an algorithm's fields it shows, their
 * documented defaults (read from the algorithm's own resolver, never copied here), and the parse of
 * what the user typed into a config that the resolver then validates. Each input carries
 * `data-field="<configField>"` (a published selector the browser tests use).
 */
import { ALGORITHMS, resolveTrainerConfig, type AlgorithmName, type EnvSource, type TrainerConfig } from '../../src/index';

/** One editable field: its config name, a short label and a one-line explanation. */
interface FieldSpec {
  readonly label: string;
  readonly help: string;
  readonly integer?: boolean;
}

const FIELDS: Readonly<Record<string, FieldSpec>> = {
  totalTimesteps: { label: 'total steps', help: 'env steps to train for (every env counts)', integer: true },
  numEnvs: { label: 'envs N', help: 'parallel envs, each a lane of the GPU batch', integer: true },
  numSteps: { label: 'steps T', help: 'rollout steps per env per iteration', integer: true },
  learningRate: { label: 'learning rate', help: "Adam's step size (annealed to 0 where the algorithm anneals)" },
  gamma: { label: 'γ', help: 'discount of future rewards' },
  gaeLambda: { label: 'GAE λ', help: 'bias (0) against variance (1) of the advantage estimate' },
  entCoef: { label: 'entropy coef', help: 'weight of the entropy bonus that keeps the policy exploring' },
  clipCoef: { label: 'clip ε', help: 'PPO keeps the probability ratio within 1 ± ε' },
  updateEpochs: { label: 'epochs K', help: 'passes over each batch', integer: true },
  numMinibatches: { label: 'minibatches', help: 'minibatches per epoch (must divide N·T)', integer: true },
  klTarget: { label: 'KL target', help: 'the adaptive penalty β grows when KL exceeds it, shrinks below' },
  klBeta: { label: 'initial β', help: 'starting weight of the KL penalty' },
  updateSteps: { label: 'reuse K', help: 'gradient steps per batch (step k > 0 is off-policy, importance-weighted)', integer: true },
  maxKl: { label: 'max KL δ', help: 'trust-region radius of each TRPO step' },
  vfLearningRate: { label: 'critic rate', help: "the value network's Adam step size" },
  populationSize: { label: 'population', help: 'candidate policies sampled per generation', integer: true },
  eliteFraction: { label: 'elite fraction', help: 'share of the population refitted into the next distribution' },
  initStd: { label: 'initial σ', help: 'std of the parameter distribution at the start' },
  extraNoise: { label: 'extra noise', help: 'variance added after each refit (decays), against early collapse' },
};

/** The fields each algorithm's form shows, in reading order (shown only where its resolver has them). */
const ALGORITHM_FIELDS: Readonly<Record<AlgorithmName, readonly string[]>> = {
  ppo: ['totalTimesteps', 'numEnvs', 'numSteps', 'learningRate', 'gamma', 'gaeLambda', 'entCoef', 'clipCoef', 'updateEpochs', 'numMinibatches'],
  'ppo-kl': ['totalTimesteps', 'numEnvs', 'numSteps', 'learningRate', 'gamma', 'gaeLambda', 'entCoef', 'klTarget', 'klBeta', 'updateEpochs', 'numMinibatches'],
  reinforce: ['totalTimesteps', 'numEnvs', 'numSteps', 'learningRate', 'gamma', 'entCoef'],
  a2c: ['totalTimesteps', 'numEnvs', 'numSteps', 'learningRate', 'gamma', 'gaeLambda', 'entCoef'],
  offpolicy: ['totalTimesteps', 'numEnvs', 'numSteps', 'learningRate', 'gamma', 'entCoef', 'updateSteps'],
  trpo: ['totalTimesteps', 'numEnvs', 'numSteps', 'gamma', 'gaeLambda', 'maxKl', 'vfLearningRate'],
  cem: ['totalTimesteps', 'populationSize', 'eliteFraction', 'initStd', 'extraNoise'],
};

/**
 * Sizes for a CPU adapter (SwiftShader) training on the page's thread: few envs and short
 * rollouts, so that a paced iteration takes seconds, not minutes. Applied only where they are
 * smaller than the documented default. A worker trains unpaced and keeps the documented sizes.
 */
const SOFTWARE_CEILINGS: Readonly<Record<string, number>> = { numEnvs: 4, numSteps: 64, populationSize: 16 };

/**
 * A worker on a CPU adapter: the settings measured to reach the env's target in the least wall
 * time. PPO on CartPole-v1 with these reaches a mean return of 475 at 137 000 – 191 000 steps on
 * seeds 1–3 (the CLI with --stop-at 475), against 250 000 – 370 000 with the documented 4 envs at
 * rate 2.5e-4, and the doubled batch costs little more per iteration: the demo's worker on
 * SwiftShader (2 cores) took seed 1 to 475 in 83 s from Start (test/browser/demo.test.ts prints
 * it). Keyed `algo:env`; the fields the form shows.
 */
const SOFTWARE_WORKER_SETTINGS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'ppo:CartPole-v1': { numEnvs: 8, learningRate: 1e-3, totalTimesteps: 200_000 },
};

/**
 * Sizes for a hardware GPU: 64 envs fill the env grid. A wider batch costs a GPU almost nothing per
 * iteration (the sequential steps are the same); it does change the learning curve against the
 * documented default's steps, which the form shows and the user can set back. Applied only where
 * they are larger than the documented default.
 */
const HARDWARE_FLOORS: Readonly<Record<string, number>> = { numEnvs: 64 };

/** An algorithm that refuses an env, with the resolver's reason. */
export interface Refusal {
  readonly algo: AlgorithmName;
  readonly reason: string;
}

/** The resolver's verdict on every algorithm for `env`: the ones that refuse it, and why. */
export function refusalsFor(env: EnvSource): Refusal[] {
  const refusals: Refusal[] = [];
  for (const algo of ALGORITHMS) {
    try {
      resolveTrainerConfig({ algo, env } as TrainerConfig);
    } catch (error) {
      refusals.push({ algo, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return refusals;
}

/** A form value: a per-agent array (PPO's learningRate, entCoef) shows its single agent's value. */
function scalar(value: unknown): number | undefined {
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'number' ? first : undefined;
}

/**
 * The shown fields of `algo` on `env` with their defaults: sized down on a CPU adapter for the
 * page's thread, widened on a GPU.
 */
export function defaultsFor(algo: AlgorithmName, env: EnvSource, isSoftware: boolean, thread: 'worker' | 'page'): Map<string, number> {
  const resolved = resolveTrainerConfig({ algo, env } as TrainerConfig) as unknown as Record<string, unknown>;
  const fast = isSoftware && thread === 'worker' && typeof env === 'string' ? SOFTWARE_WORKER_SETTINGS[`${algo}:${env}`] : undefined;
  const defaults = new Map<string, number>();
  for (const field of ALGORITHM_FIELDS[algo]) {
    let value = fast?.[field] ?? scalar(resolved[field]);
    if (value === undefined) continue;
    const ceiling = SOFTWARE_CEILINGS[field];
    if (isSoftware && thread === 'page' && ceiling !== undefined) value = Math.min(value, ceiling);
    const floor = HARDWARE_FLOORS[field];
    if (!isSoftware && floor !== undefined) value = Math.max(value, floor);
    defaults.set(field, value);
  }
  return defaults;
}

/** The form's DOM: one labelled number input per field. */
export function renderFields(container: HTMLElement, defaults: ReadonlyMap<string, number>): void {
  container.replaceChildren();
  for (const [field, value] of defaults) {
    const spec = FIELDS[field]!;
    const label = document.createElement('label');
    label.className = 'train-field';
    label.title = `${field}: ${spec.help}`;
    const name = document.createElement('span');
    name.textContent = spec.label;
    const input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'decimal';
    input.dataset.field = field;
    input.value = String(value);
    input.size = 9;
    label.append(name, input);
    container.append(label);
  }
}

/** The form's values as a config for `algo` on `env`, validated by the algorithm's resolver; throws with the field named. */
export function readConfig(container: HTMLElement, algo: AlgorithmName, env: EnvSource): TrainerConfig {
  const config: Record<string, unknown> = { algo, env };
  for (const input of container.querySelectorAll<HTMLInputElement>('input[data-field]')) {
    const field = input.dataset.field!;
    const text = input.value.trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) throw new RangeError(`${field} must be a number (got '${input.value}')`);
    if (FIELDS[field]?.integer && !Number.isInteger(value)) throw new RangeError(`${field} must be an integer (got ${text})`);
    config[field] = value;
  }
  resolveTrainerConfig(config as TrainerConfig);
  return config as TrainerConfig;
}
