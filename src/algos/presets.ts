/**
 * Named trainer configs for a kind of task, usable with any env of that kind: `webgpu-rl train
 * --preset locomotion --env Hopper-v5`, or `{ ...PRESETS.locomotion, env }` as an Agent's
 * `algorithm`. A preset is a starting point: a field the caller gives (a --config file's, a flag's)
 * wins over it.
 */
import type { PpoConfig } from './ppo/config';

/**
 * The standard setup for continuous control of a legged body (e.g. a humanoid of 17–20 joints):
 * PPO with a diagonal Gaussian policy and a state-independent learned log σ, GAE λ = 0.95 with a
 * separate value network of the same shape, 64 envs × 32 steps = 2 048 steps per update in 32
 * minibatches of 64, 4 epochs, clip ε = 0.2, an entropy bonus of 0.01 decayed linearly to 0, two
 * tanh layers of 256, Adam at 3e-4 annealed to 0, gradients clipped at 0.5, observations
 * normalised and rewards scaled by running statistics (CleanRL's ppo_continuous_action.py wrappers),
 * and a budget of 10 M steps.
 */
const LOCOMOTION: PpoPreset = Object.freeze({
  algo: 'ppo',
  numEnvs: 64,
  numSteps: 32,
  numMinibatches: 32,
  updateEpochs: 4,
  clipCoef: 0.2,
  gamma: 0.99,
  gaeLambda: 0.95,
  entCoef: 0.01,
  annealEntCoef: true,
  learningRate: 3e-4,
  annealLr: true,
  maxGradNorm: 0.5,
  hiddenSizes: Object.freeze([256, 256]),
  normObs: true,
  normReward: true,
  totalTimesteps: 10_000_000,
});

/** A preset of PPO: its config fields and the algorithm they configure. */
export interface PpoPreset extends PpoConfig {
  /** The trainer the fields configure. */
  readonly algo: 'ppo';
}

/** The named presets. */
export interface Presets {
  /**
   * The standard PPO setup for continuous control of a legged body: 64 envs × 32 steps in 32
   * minibatches, 4 epochs, ε 0.2, GAE λ 0.95, entropy 0.01 decayed to 0, two tanh layers of 256,
   * observation and reward normalisation, 10 M steps.
   */
  readonly locomotion: PpoPreset;
}

/** The named presets, by name. */
export const PRESETS: Presets = Object.freeze({ locomotion: LOCOMOTION });

/** A preset's name. */
export type PresetName = keyof Presets;

/** The preset called `name`; a RangeError naming the valid ones otherwise. */
export function presetConfig(name: string): PpoPreset {
  if (!Object.hasOwn(PRESETS, name)) throw new RangeError(`unknown preset '${name}' (valid: ${Object.keys(PRESETS).join(', ')})`);
  return PRESETS[name as PresetName];
}
