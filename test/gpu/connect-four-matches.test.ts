/**
 * Matches against ConnectFour-v0's scripted opponents (src/games/matches.ts) and `webgpu-rl eval
 * --opponent`: an agent trained for an iteration plays 25 games against the random player, 13 as first
 * and 12 as second; the same games replayed on the env's JavaScript twin
 * (test/support/connect-four-host.ts, which draws as the WGSL env does from the same seed) with the
 * same greedy policy give the same wins, draws and losses per seat. The command prints
 * `win rate W (wins/draws/losses)` last, with counts that add up to the games, and refuses an env
 * without opponents, --games without --opponent and an unknown opponent by name.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCheckpointFile } from '../../src/cli/eval';
import { registerGameEnvs } from '../../src/cli/games';
import { runTraining } from '../../src/cli/train';
import { evaluatePolicy } from '../../src/agent/evaluate-policy';
import { hostEnvDescriptor } from '../../src/envs/host-env';
import { connectFour, evaluateAgentMatches } from '../../src/games';
import { Agent, formatAdapter } from '../../src/index';
import { ConnectFourHost } from '../support/connect-four-host';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';
import { runEval } from '../support/run-eval';

describe('matches against scripted opponents', () => {
  const gpu = useGpu();

  it('counts each seat’s games as the JavaScript twin replays them', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const algorithm = { algo: 'ppo', seed, numEnvs: 8, numSteps: 16, hiddenSizes: [16], totalTimesteps: 128 } as const;
    const agent = await Agent.create({ env: connectFour, device, algorithm, maxActBatch: 13 });
    try {
      await gpuStep(gpu(), 'train and play', async () => {
        for await (const _ of agent.train()) void _;
        const result = await evaluateAgentMatches(agent, { opponent: 'random', games: 25, seed });
        expect(result.games).toBe(25);
        expect(result.wins + result.draws + result.losses).toBe(25);
        expect(result.winRate).toBe(result.wins / 25);
        const act = (observations: Float32Array, options: Parameters<Agent['act']>[1]) => agent.act(observations, options);
        const replay = async (learnerSeat: 1 | 2, episodes: number) => {
          const training = hostEnvDescriptor(new ConnectFourHost(1));
          const twin = new ConnectFourHost(episodes, { opponent_lookahead: 0, learner_seat: learnerSeat });
          const { returns } = await evaluatePolicy(device, training, act, { episodes, seed: seed + learnerSeat - 1, env: twin });
          return { wins: returns.filter((r) => r > 0).length, draws: returns.filter((r) => r === 0).length, losses: returns.filter((r) => r < 0).length };
        };
        expect(result.bySeat.first, `seed ${seed}`).toEqual(await replay(1, 13));
        expect(result.bySeat.second, `seed ${seed}`).toEqual(await replay(2, 12));
        console.log(`[matches] seed ${seed}: one iteration of PPO against random: ${JSON.stringify(result.bySeat)}`);
      });
      await expect(evaluateAgentMatches(agent, { opponent: 'minimax' as 'random', games: 4 })).rejects.toThrow("matches: opponent must be one of random, lookahead or a frozen policy (got 'minimax')");
      await expect(evaluateAgentMatches(agent, { opponent: 'random', games: 1 })).rejects.toThrow('matches: games must be an integer ≥ 2 (got 1)');
    } finally {
      agent.destroy();
    }
  });

  it("`eval --opponent` ends with 'win rate W (wins/draws/losses)' and refuses what cannot be played", async () => {
    registerGameEnvs();
    const out = await mkdtemp(join(tmpdir(), 'wgrl-matches-'));
    try {
      const device = gpu().device;
      const config = { algo: 'ppo', env: 'ConnectFour-v0', numEnvs: 8, numSteps: 16, hiddenSizes: [16], totalTimesteps: 128, seed: 3 } as const;
      await runTraining(device, formatAdapter(gpu().adapter), config, out);
      const checkpoint = join(out, 'checkpoint.wgrl');
      const lines = await evaluateCheckpointFile(device, { checkpoint, episodes: 10, opponent: 'random', games: 9, seed: 5 });
      console.log(lines.join('\n'));
      const last = /^win rate (\d\.\d{3}) \((\d+)\/(\d+)\/(\d+)\)$/.exec(lines.at(-1)!);
      expect(last, lines.at(-1)).not.toBeNull();
      const [wins, draws, losses] = [Number(last![2]), Number(last![3]), Number(last![4])];
      expect(wins + draws + losses).toBe(9);
      expect(Number(last![1])).toBeCloseTo(wins / 9, 3);
      expect(lines[1]).toMatch(/^as first player \d+\/\d+\/\d+, as second \d+\/\d+\/\d+ \(wins\/draws\/losses\)$/);

      // A self-play run: rounds rated in metrics.jsonl, the learner's Elo in elo.svg; then the
      // checkpoint plays another checkpoint (its policy seat: the earlier run's actor).
      const selfPlay = join(out, 'self-play');
      await runTraining(device, formatAdapter(gpu().adapter), { ...config, totalTimesteps: 512, selfPlay: { saveSteps: 128, window: 2 } }, selfPlay);
      const records = (await readFile(join(selfPlay, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      const rounds = records.filter((r) => r.self_play).map((r) => r.self_play);
      expect(rounds.map((r) => r.snapshot)).toEqual([1, 2, 3]);
      expect(rounds.every((r) => Number.isFinite(r.elo) && r.wins + r.draws + r.losses > 0)).toBe(true);
      expect(await readFile(join(selfPlay, 'elo.svg'), 'utf8')).toMatch(/^<svg/);
      const rival = await evaluateCheckpointFile(device, { checkpoint: join(selfPlay, 'checkpoint.wgrl'), episodes: 10, opponent: checkpoint, games: 9, seed: 5 });
      console.log(rival.join('\n'));
      expect(rival[0]).toContain(`greedy moves against ${checkpoint} (iteration 1, 128 steps)`);
      const rivalLast = /^win rate \d\.\d{3} \((\d+)\/(\d+)\/(\d+)\)$/.exec(rival.at(-1)!);
      expect(rivalLast, rival.at(-1)).not.toBeNull();
      expect(Number(rivalLast![1]) + Number(rivalLast![2]) + Number(rivalLast![3])).toBe(9);

      const cartPole = join(out, 'cartpole');
      await runTraining(device, formatAdapter(gpu().adapter), { algo: 'ppo', env: 'CartPole-v1', numEnvs: 4, numSteps: 32, hiddenSizes: [16], totalTimesteps: 128, seed: 3 }, cartPole);
      const refused = await runEval(['--checkpoint', join(cartPole, 'checkpoint.wgrl'), '--opponent', 'random']);
      expect(refused.error?.message).toBe("--opponent random: env 'CartPole-v1' has no scripted opponent (a two-player env such as ConnectFour-v0 has)");
      expect(refused.printed).toEqual([]);
      const noOpponent = await runEval(['--checkpoint', checkpoint, '--games', '10']);
      expect(noOpponent.error?.message).toBe('--games 10: games are played against an --opponent (random, lookahead, or a checkpoint); without one, --episodes');
      const unknown = await runEval(['--checkpoint', checkpoint, '--opponent', 'minimax']);
      expect(unknown.error?.message).toBe('--opponent minimax: neither a scripted opponent (random, lookahead) nor a checkpoint: cannot read it (ENOENT)');
      const otherEnv = await runEval(['--checkpoint', checkpoint, '--opponent', join(cartPole, 'checkpoint.wgrl')]);
      expect(otherEnv.error?.message).toBe(
        `--opponent ${join(cartPole, 'checkpoint.wgrl')}: trained on 'CartPole-v1'; the checkpoint plays 'ConnectFour-v0' (an opponent checkpoint must be of the same env)`,
      );
      expect(otherEnv.printed).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
