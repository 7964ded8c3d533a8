/**
 * Scripted Snake-v0 policies over a state row of the JavaScript twin (test/support/snake-host.ts):
 * the baselines the descriptor quotes, and the action streams the GPU-versus-twin tests feed both.
 */
import { APPLE, boardSize, DIRECTIONS, HEAD_X, HEAD_Y, snakeDeadly, snakeMask, type SnakeParams } from './snake-host';

/** The legal directions of `state` (its action mask's ones). */
export function legalActions(state: Float32Array, params: SnakeParams): number[] {
  const mask = [0, 0, 0, 0];
  snakeMask(state, params, mask);
  return mask.flatMap((allowed, action) => (allowed ? [action] : []));
}

/** A uniformly random legal direction. */
export function randomLegalAction(state: Float32Array, params: SnakeParams, random: () => number): number {
  const legal = legalActions(state, params);
  return legal[Math.floor(random() * legal.length)]!;
}

/**
 * Greedy: of the legal moves that do not die this step, the one that ends nearest the apple
 * (Manhattan distance; the lowest direction on a tie); a legal move when every one dies.
 */
export function greedyAction(state: Float32Array, params: SnakeParams): number {
  const { width } = boardSize(params);
  const apple = state[APPLE]!;
  const ax = apple % width;
  const ay = Math.trunc(apple / width);
  const legal = legalActions(state, params);
  let best = legal[0]!;
  let bestDistance = Infinity;
  for (const action of legal) {
    const x = state[HEAD_X]! + DIRECTIONS[action]![0];
    const y = state[HEAD_Y]! + DIRECTIONS[action]![1];
    if (snakeDeadly(state, params, x, y)) continue;
    const distance = Math.abs(ax - x) + Math.abs(ay - y);
    if (distance < bestDistance) {
      best = action;
      bestDistance = distance;
    }
  }
  return best;
}
