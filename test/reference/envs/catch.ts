/**
 * Float64 reference for Catch-v0 (shaders/envs/catch.wgsl), written from the rules in that file's
 * header: paddle move and clamp, fruit drift with wall reflection, falling, landing (catch / miss /
 * bomb hit), respawn, shaping, lives and termination. Randomness comes in as a stream of uniforms in
 * (0, 1) drawn in the body's order (reset: fruit x, fruit v, bomb x, bomb y; step: fruit x, fruit v,
 * bomb x, every step), so a test can replay the GPU's draws exactly or use any generator.
 */

/** EnvParams of Catch-v0, in the WGSL struct's order. */
export interface CatchParams {
  paddleHalfWidth: number;
  paddleSpeed: number;
  fruitSpeed: number;
  fruitMaxDrift: number;
  bombSpeed: number;
  catchReward: number;
  missPenalty: number;
  bombPenalty: number;
  shapingCoef: number;
  startLives: number;
}

export const CATCH_DEFAULTS: Readonly<CatchParams> = {
  paddleHalfWidth: 0.15,
  paddleSpeed: 0.08,
  fruitSpeed: 0.035,
  fruitMaxDrift: 0.015,
  bombSpeed: 0.03,
  catchReward: 1,
  missPenalty: 1,
  bombPenalty: 1,
  shapingCoef: 0.1,
  startLives: 3,
};

/** The State struct, fields in the tracer's order. */
export interface CatchState {
  paddleX: number;
  fruitX: number;
  fruitY: number;
  fruitVx: number;
  bombX: number;
  bombY: number;
  lives: number;
}

export const CATCH_STATE_SIZE = 7;
export const CATCH_OBS_SIZE = 7;
export const CATCH_MAX_EPISODE_STEPS = 500;
const BOMB_RESET_MIN_Y = 0.5;

/** Next uniform in (0, 1). */
export type Uniform = () => number;

const range = (u: Uniform, low: number, high: number) => low + (high - low) * u();

export function stateToArray(s: CatchState): number[] {
  return [s.paddleX, s.fruitX, s.fruitY, s.fruitVx, s.bombX, s.bombY, s.lives];
}

export function stateFromArray(a: ArrayLike<number>, offset = 0): CatchState {
  const at = (i: number) => a[offset + i]!;
  return { paddleX: at(0), fruitX: at(1), fruitY: at(2), fruitVx: at(3), bombX: at(4), bombY: at(5), lives: at(6) };
}

export function catchReset(u: Uniform, p: CatchParams = CATCH_DEFAULTS): CatchState {
  const fruitX = range(u, -1, 1);
  const fruitVx = range(u, -p.fruitMaxDrift, p.fruitMaxDrift);
  const bombX = range(u, -1, 1);
  const bombY = range(u, BOMB_RESET_MIN_Y, 1);
  return { paddleX: 0, fruitX, fruitY: 1, fruitVx, bombX, bombY, lives: p.startLives };
}

/** What decided a step's discrete events, and how far each deciding quantity was from its threshold. */
export interface CatchEvents {
  fruitLanded: boolean;
  fruitCaught: boolean;
  bombLanded: boolean;
  bombHit: boolean;
  /** Smallest |quantity − threshold| over the comparisons this step made (wall, landing, catch). */
  margin: number;
}

export interface CatchStep {
  state: CatchState;
  reward: number;
  terminated: boolean;
  events: CatchEvents;
}

export function catchStep(s: CatchState, action: number, u: Uniform, p: CatchParams = CATCH_DEFAULTS): CatchStep {
  const hw = p.paddleHalfWidth;
  const direction = Math.min(Math.max(action - 1, -1), 1);
  const paddleX = Math.min(Math.max(s.paddleX + direction * p.paddleSpeed, -1 + hw), 1 - hw);

  let fruitX = s.fruitX + s.fruitVx;
  let fruitVx = s.fruitVx;
  let margin = Math.min(Math.abs(fruitX - 1), Math.abs(fruitX + 1));
  if (fruitX > 1) {
    fruitX = 2 - fruitX;
    fruitVx = -fruitVx;
  } else if (fruitX < -1) {
    fruitX = -2 - fruitX;
    fruitVx = -fruitVx;
  }
  let fruitY = s.fruitY - p.fruitSpeed;
  let bombX = s.bombX;
  let bombY = s.bombY - p.bombSpeed;
  margin = Math.min(margin, Math.abs(fruitY), Math.abs(bombY));

  let reward = p.shapingCoef * (Math.abs(s.fruitX - s.paddleX) - Math.abs(fruitX - paddleX));
  let lives = s.lives;

  const spawnFruitX = range(u, -1, 1);
  const spawnFruitVx = range(u, -p.fruitMaxDrift, p.fruitMaxDrift);
  const spawnBombX = range(u, -1, 1);

  const events: CatchEvents = { fruitLanded: false, fruitCaught: false, bombLanded: false, bombHit: false, margin };
  if (fruitY <= 0) {
    events.fruitLanded = true;
    const distance = Math.abs(fruitX - paddleX);
    events.margin = Math.min(events.margin, Math.abs(distance - hw));
    if (distance <= hw) {
      events.fruitCaught = true;
      reward += p.catchReward;
    } else {
      reward -= p.missPenalty;
      lives -= 1;
    }
    fruitX = spawnFruitX;
    fruitVx = spawnFruitVx;
    fruitY = 1;
  }
  if (bombY <= 0) {
    events.bombLanded = true;
    const distance = Math.abs(bombX - paddleX);
    events.margin = Math.min(events.margin, Math.abs(distance - hw));
    if (distance <= hw) {
      events.bombHit = true;
      reward -= p.bombPenalty;
      lives -= 1;
    }
    bombX = spawnBombX;
    bombY = 1;
  }
  return {
    state: { paddleX, fruitX, fruitY, fruitVx, bombX, bombY, lives },
    reward,
    terminated: lives < 0.5,
    events,
  };
}

export function catchObs(s: CatchState, p: CatchParams = CATCH_DEFAULTS): number[] {
  return [
    s.paddleX,
    s.fruitX,
    2 * s.fruitY - 1,
    p.fruitMaxDrift > 0 ? s.fruitVx / p.fruitMaxDrift : 0,
    s.bombX,
    2 * s.bombY - 1,
    p.startLives > 0 ? (2 * s.lives) / p.startLives - 1 : -1,
  ];
}

/** The scripted baseline: move toward the fruit's x (stay when within a third of a paddle step). */
export function greedyCatchAction(s: CatchState, p: CatchParams = CATCH_DEFAULTS): number {
  const dx = s.fruitX - s.paddleX;
  if (Math.abs(dx) <= p.paddleSpeed / 3) return 1;
  return dx > 0 ? 2 : 0;
}

/** A whole episode under `policy` (truncated at CATCH_MAX_EPISODE_STEPS): its return and length. */
export function catchEpisode(
  policy: (s: CatchState) => number,
  u: Uniform,
  p: CatchParams = CATCH_DEFAULTS,
): { episodeReturn: number; length: number; terminated: boolean } {
  let state = catchReset(u, p);
  let episodeReturn = 0;
  for (let t = 1; t <= CATCH_MAX_EPISODE_STEPS; t += 1) {
    const step = catchStep(state, policy(state), u, p);
    episodeReturn += step.reward;
    state = step.state;
    if (step.terminated) return { episodeReturn, length: t, terminated: true };
  }
  return { episodeReturn, length: CATCH_MAX_EPISODE_STEPS, terminated: false };
}
