/**
 * Pong-v0 in JavaScript: the rules of shaders/envs/pong.wgsl (its header states them) over the same
 * State layout, drawing the host env's randomness in the same order (2 uniforms per reset, a third
 * when opponent_policy > 0, 2 per step), so that createHostVectorEnv over PongHost replays the WGSL env from the same seed. Every
 * state value is a small integer (exact); the observation divides by the court's size.
 */
import type { HostEnv, HostEnvStepResult, HostRandom } from '../../src/envs/host-env';
import { pong } from '../../src/games/pong';

export const PONG_STATE_SIZE = 11;
export const PONG_OBS_SIZE = 6;
export const [BALL_X, BALL_Y, BALL_VX, BALL_VY, PADDLE_Y, OPPONENT_Y, POINTS_WON, POINTS_LOST, RETURNS, OPPONENT, OPPONENT_MOVE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const WIDTH = 128;
const HEIGHT = 96;

export interface PongParams {
  readonly paddle_speed: number;
  readonly opponent_speed: number;
  readonly paddle_half: number;
  readonly points_per_game: number;
  readonly return_reward: number;
  readonly opponent_policy: number;
}

export const PONG_DEFAULTS = pong.params as unknown as PongParams;

const pick = (u: number, n: number) => Math.floor((Math.floor(u * 16777216) * n) / 16777216);
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

function serve(s: Float32Array, uSide: number, uSlope: number): void {
  s[BALL_X] = WIDTH / 2;
  s[BALL_Y] = HEIGHT / 2;
  s[BALL_VX] = pick(uSide, 2) === 0 ? -2 : 2;
  s[BALL_VY] = pick(uSlope, 5) - 2;
}

export function pongReset(s: Float32Array, random: HostRandom, params: PongParams = PONG_DEFAULTS): void {
  const uSide = random();
  const uSlope = random();
  s.fill(0);
  s[PADDLE_Y] = HEIGHT / 2;
  s[OPPONENT_Y] = HEIGHT / 2;
  // The policy seat plays this game with probability opponent_policy (a third draw only then).
  if (params.opponent_policy > 0) s[OPPONENT] = random() < Math.fround(params.opponent_policy) ? 1 : 0;
  serve(s, uSide, uSlope);
}

export function pongStep(s: Float32Array, action: number, params: PongParams, random: HostRandom): { reward: number; terminated: boolean } {
  const uSide = random();
  const uSlope = random();
  const half = params.paddle_half;
  const paddle = clamp(s[PADDLE_Y]! + (Math.min(action, 2) - 1) * params.paddle_speed, half, HEIGHT - half);
  let [x, y, vx, vy] = [s[BALL_X]!, s[BALL_Y]!, s[BALL_VX]!, s[BALL_VY]!];
  const tracking = clamp(y - s[OPPONENT_Y]!, -params.opponent_speed, params.opponent_speed);
  const opponent = clamp(s[OPPONENT_Y]! + (s[OPPONENT] === 1 ? s[OPPONENT_MOVE]! * params.paddle_speed : tracking), half, HEIGHT - half);
  x += vx;
  y += vy;
  // 0 − v, not −v: integers, as the WGSL's i32, never −0.
  if (y < 0) [y, vy] = [0 - y, 0 - vy];
  else if (y > HEIGHT) [y, vy] = [2 * HEIGHT - y, 0 - vy];
  const english = (centre: number) => clamp(vy + Math.trunc((y - centre) / 2), -4, 4);
  let reward = 0;
  let point = false;
  if (x <= 0) {
    if (Math.abs(y - paddle) <= half + 1) {
      [x, vx, vy] = [0 - x, 0 - vx, english(paddle)];
      s[RETURNS] = s[RETURNS]! + 1;
      reward = Math.fround(params.return_reward);
    } else {
      reward = -1;
      point = true;
      s[POINTS_LOST] = s[POINTS_LOST]! + 1;
    }
  } else if (x >= WIDTH) {
    if (Math.abs(y - opponent) <= half + 1) [x, vx, vy] = [2 * WIDTH - x, 0 - vx, english(opponent)];
    else {
      reward = 1;
      point = true;
      s[POINTS_WON] = s[POINTS_WON]! + 1;
    }
  }
  [s[PADDLE_Y], s[OPPONENT_Y], s[BALL_X], s[BALL_Y], s[BALL_VX], s[BALL_VY]] = [paddle, opponent, x, y, vx, vy];
  if (point) serve(s, uSide, uSlope);
  return { reward, terminated: s[POINTS_WON]! + s[POINTS_LOST]! >= params.points_per_game };
}

export function pongObservation(s: Float32Array, out: Float32Array): Float32Array {
  out[0] = Math.fround((2 * s[BALL_X]!) / WIDTH - 1);
  out[1] = Math.fround((2 * s[BALL_Y]!) / HEIGHT - 1);
  out[2] = s[BALL_VX]! / 2;
  out[3] = s[BALL_VY]! / 4;
  out[4] = Math.fround((2 * s[PADDLE_Y]!) / HEIGHT - 1);
  out[5] = Math.fround((2 * s[OPPONENT_Y]!) / HEIGHT - 1);
  return out;
}

/** The court from the policy seat (the right paddle): x mirrored, its paddle in the learner's slot. */
export function pongOpponentObservation(s: Float32Array, out: Float32Array): Float32Array {
  const mirrored = Float32Array.from(s);
  mirrored[BALL_X] = WIDTH - s[BALL_X]!;
  mirrored[BALL_VX] = 0 - s[BALL_VX]!;
  [mirrored[PADDLE_Y], mirrored[OPPONENT_Y]] = [s[OPPONENT_Y]!, s[PADDLE_Y]!];
  return pongObservation(mirrored, out);
}

/** The seat's choice (0 down, 1 stay, 2 up), kept for the next step. */
export function pongOpponentStep(s: Float32Array, action: number): void {
  s[OPPONENT_MOVE] = Math.min(action, 2) - 1;
}

/** N games as a per-instance HostEnv over one Float32Array [N][STATE] (the WGSL env's states layout). */
export class PongHost implements HostEnv {
  readonly name = 'pong-js';
  readonly observationSize = PONG_OBS_SIZE;
  readonly actionSpace = pong.actionSpace;
  readonly maxEpisodeSteps: number;
  readonly episodeMetrics = pong.episodeMetrics!;
  readonly states: Float32Array;
  readonly params: PongParams;
  private readonly observation = new Float32Array(PONG_OBS_SIZE);

  constructor(
    readonly numEnvs: number,
    params: Partial<PongParams> = {},
    maxEpisodeSteps = pong.maxEpisodeSteps,
  ) {
    this.states = new Float32Array(numEnvs * PONG_STATE_SIZE);
    this.params = { ...PONG_DEFAULTS, ...params };
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  row(env: number): Float32Array {
    return this.states.subarray(env * PONG_STATE_SIZE, (env + 1) * PONG_STATE_SIZE);
  }

  reset(env: number, random: HostRandom): Float32Array {
    pongReset(this.row(env), random, this.params);
    return pongObservation(this.row(env), this.observation);
  }

  step(env: number, action: number | Float32Array, random: HostRandom): HostEnvStepResult {
    const { reward, terminated } = pongStep(this.row(env), action as number, this.params, random);
    return { observation: pongObservation(this.row(env), this.observation), reward, terminated };
  }

  metrics(env: number, out: Float32Array): void {
    const s = this.row(env);
    [out[0], out[1], out[2]] = [s[POINTS_WON]!, s[POINTS_LOST]!, s[RETURNS]!];
  }
}
