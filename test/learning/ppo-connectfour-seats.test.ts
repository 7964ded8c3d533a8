/**
 * Self-play by seats: PPO with one policy for both seats of Connect Four as a JavaScript game with
 * seats (test/support/connect-four-seats.ts), through the game-facing Agent API. Every move of
 * both sides is a transition; the opponent is always the current policy. Judged greedily against
 * the scripted players (random; lookahead: win now, else block, else random), 400 games, half as
 * first player, with the agent's CPU policy; printed every 100 000 steps as a curve, asserted at
 * the end against the random player only (the lookahead target is recorded in docs/LEARNING.md, not
 * asserted). SEED picks the run (default 1).
 *
 *   WEBGPU_RL_LEARNING=1 npx vitest run test/learning/ppo-connectfour-seats.test.ts
 */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent';
import type { CpuPolicy } from '../../src/agent/cpu-policy';
import { columnMask, SEATED_C4_OBS_SIZE, seatedC4Observation, seatedConnectFour } from '../support/connect-four-seats';
import { COLUMNS, height, lookaheadColumn, randomColumn, winsAt } from '../support/connect-four-host';
import { useGpu } from '../support/gpu';
import { seededRandom } from '../support/random';

/** Seat-steps (both seats' rows): STEPS overrides it for a shorter look. */
const BUDGET = Number(process.env.STEPS ?? 1_500_000);
const LEARNING = process.env.WEBGPU_RL_LEARNING !== undefined;

type Scripted = typeof randomColumn;

/** `games` greedy games of `policy` against `scripted`, half opened by the policy: [wins, draws, losses]. */
function playMatches(policy: CpuPolicy, scripted: Scripted, games: number, seed: number): [number, number, number] {
  const draw = seededRandom(seed);
  const obs = new Float32Array(SEATED_C4_OBS_SIZE);
  const mask = new Uint32Array(COLUMNS);
  const tally: [number, number, number] = [0, 0, 0];
  for (let game = 0; game < games; game += 1) {
    const board = new Uint8Array(42);
    // The policy is player 1 or 2; player 1 opens.
    const me = game % 2 === 0 ? 1 : 2;
    for (let player = 1, moves = 0; ; player = 3 - player, moves += 1) {
      if (moves === 42) {
        tally[1] += 1;
        break;
      }
      let column: number;
      if (player === me) {
        seatedC4Observation(board, me, true, obs);
        columnMask(board, mask);
        column = policy.act(obs, { deterministic: true, actionMask: mask }).actions[0]!;
      } else {
        column = scripted(board, player, draw());
      }
      const row = height(board, column);
      board[row * COLUMNS + column] = player;
      if (winsAt(board, row, column, player)) {
        tally[player === me ? 0 : 2] += 1;
        break;
      }
    }
  }
  return tally;
}

describe.skipIf(!LEARNING)('learning: ppo self-play by seats on Connect Four (a JavaScript game with two seats)', () => {
  const gpu = useGpu();
  const seed = Number(process.env.SEED ?? 1);

  it(`seed ${seed}: one policy for both seats, ${BUDGET} seat-steps`, async () => {
    const started = performance.now();
    const agent = await Agent.create(
      {
        env: seatedConnectFour(),
        // ConnectFour-v0's PPO defaults (64 games × 32 steps, two layers of 128), with both seats' rows.
        algorithm: { algo: 'ppo', seed, numEnvs: 128, numSteps: 32, hiddenSizes: [128, 128], totalTimesteps: BUDGET },
        device: gpu().device,
      },
    );
    try {
      const policy = await agent.policy();
      const judge = (games: number) => {
        const random = playMatches(policy, randomColumn, games, seed);
        const lookahead = playMatches(policy, lookaheadColumn, games, seed + 1);
        return { random, lookahead, text: `vs random ${random.join('/')} (${(random[0] / games).toFixed(3)}), vs lookahead ${lookahead.join('/')} (${(lookahead[0] / games).toFixed(3)})` };
      };
      let next = 100_000;
      for await (const stats of agent.train()) {
        if (stats.globalStep >= next) {
          await policy.refresh();
          console.log(`[c4-seats seed ${seed}] ${stats.globalStep} steps, ${((performance.now() - started) / 1000).toFixed(0)} s: ${judge(100).text}`);
          next += 100_000;
        }
      }
      await policy.refresh();
      const final = judge(400);
      console.log(`[c4-seats seed ${seed}] final (400 games each, half first): ${final.text}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
      expect(final.random[0] / 400).toBeGreaterThan(0.9);
    } finally {
      agent.destroy();
    }
  }, 7_200_000);
});
