/**
 * CartPole-v1 vectorised in plain JavaScript, as a TF.js user would write the env next to the
 * model: Gymnasium's cartpole.py equations (the same as test/reference/envs/cartpole.ts) over N envs
 * in typed arrays, with a seeded PRNG for the resets, auto-reset in the same step (gymnasium 0.29's
 * vector env, which CleanRL uses) and the 500-step time limit.
 */

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_CART + MASS_POLE;
const LENGTH = 0.5; // half the pole
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const X_THRESHOLD = 2.4;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_MAX_EPISODE_STEPS = 500;
export const CARTPOLE_OBSERVATION_SIZE = 4;

/** mulberry32: a small seeded u32 PRNG; `next()` is uniform in [0, 1). */
export function createRandom(seed: number): { next(): number } {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export interface VectorCartPole {
  readonly numEnvs: number;
  /** f32 [N][4]: the current observations (after any auto-reset). */
  readonly observations: Float32Array;
  /**
   * Steps every env with `actions` (0: push left, 1: push right); fills `rewards` and `dones`
   * (terminated or truncated, CleanRL's next_done) and resets the finished envs. Returns the
   * returns of the episodes that finished in this step.
   */
  step(actions: ArrayLike<number>, rewards: Float32Array, dones: Float32Array): number[];
}

/** N CartPole-v1 envs, each reset to U(−0.05, 0.05)⁴ from `seed`. */
export function createVectorCartPole(numEnvs: number, seed: number): VectorCartPole {
  const random = createRandom(seed);
  const state = new Float64Array(numEnvs * 4);
  const observations = new Float32Array(numEnvs * 4);
  const episodeSteps = new Int32Array(numEnvs);
  const episodeReturns = new Float64Array(numEnvs);
  const reset = (n: number) => {
    for (let k = 0; k < 4; k += 1) state[4 * n + k] = -0.05 + 0.1 * random.next();
    episodeSteps[n] = 0;
    episodeReturns[n] = 0;
  };
  for (let n = 0; n < numEnvs; n += 1) reset(n);
  observations.set(state);
  return {
    numEnvs,
    observations,
    step(actions, rewards, dones) {
      const finished: number[] = [];
      for (let n = 0; n < numEnvs; n += 1) {
        const i = 4 * n;
        const x = state[i]!;
        const xDot = state[i + 1]!;
        const theta = state[i + 2]!;
        const thetaDot = state[i + 3]!;
        const force = actions[n] === 1 ? FORCE_MAG : -FORCE_MAG;
        const cos = Math.cos(theta);
        const sin = Math.sin(theta);
        const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
        const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4 / 3 - (MASS_POLE * cos * cos) / TOTAL_MASS));
        const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
        const nx = x + TAU * xDot;
        const ntheta = theta + TAU * thetaDot;
        state[i] = nx;
        state[i + 1] = xDot + TAU * xAcc;
        state[i + 2] = ntheta;
        state[i + 3] = thetaDot + TAU * thetaAcc;
        episodeSteps[n] = episodeSteps[n]! + 1;
        episodeReturns[n] = episodeReturns[n]! + 1;
        rewards[n] = 1; // every step, the terminating one included
        const terminated = nx < -X_THRESHOLD || nx > X_THRESHOLD || ntheta < -THETA_THRESHOLD || ntheta > THETA_THRESHOLD;
        const truncated = episodeSteps[n]! >= CARTPOLE_MAX_EPISODE_STEPS;
        dones[n] = terminated || truncated ? 1 : 0;
        if (terminated || truncated) {
          finished.push(episodeReturns[n]!);
          reset(n);
        }
      }
      observations.set(state);
      return finished;
    },
  };
}
