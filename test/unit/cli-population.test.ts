/**
 * runTraining's files for a population (G = 3) and its behaviour when training stops on a
 * non-finite value, without a GPU: createTrainer is replaced by a scripted trainer whose reports
 * carry `agents` (IterationStats.agents), so metrics.jsonl, summary.json and curve.svg are checked
 * against hand-computed population means and per-agent values.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runTraining } from '../../src/cli/train';
import { STATISTICS, type StatisticName } from '../../src/losses/statistics';
import { NonFiniteError } from '../../src/train/nan-guard';
import type { AgentReport, IterationStats } from '../../src/train/report';
import type { Trainer } from '../../src/train/trainer';
import type { ProgressUpdate } from '../../src/cli/progress';

const STEPS_PER_ITERATION = 300;
/** Each agent's return_mean_100 per iteration (NaN: no episode yet); the threshold is 475. */
const RETURNS = [
  [Number.NaN, 20, 30],
  [100, 480, 60],
  [200, 490, 500],
];
const scripted: { failAt: number | null; destroyed: boolean } = { failAt: null, destroyed: false };

function agent(iteration: number, g: number): AgentReport {
  const statistics = Object.fromEntries(Object.keys(STATISTICS).map((n) => [n, Number.NaN])) as Record<StatisticName, number>;
  statistics.policy_loss = g + iteration;
  statistics.episodic_return = RETURNS[iteration]![g]!;
  return { statistics, episodesFinished: 10 * iteration + g, recentReturns: [], returnMean100: RETURNS[iteration]![g]!, algorithm: new Float32Array(16), episodeMetrics: {} };
}

function stats(iteration: number): IterationStats {
  const agents = [0, 1, 2].map((g) => agent(iteration, g));
  const first = agents[0]!;
  return {
    iteration,
    globalStep: (iteration + 1) * STEPS_PER_ITERATION,
    learningRate: 1e-3,
    statistics: first.statistics,
    episodesFinished: first.episodesFinished,
    recentReturns: [],
    returnMean100: first.returnMean100,
    episodeMetrics: {},
    counters: { dispatches: 0, copies: 0, computePasses: 0, submits: 1, buffersCreated: 0, readbacks: 1, bytesReadBack: 0 },
    agents,
  };
}

vi.mock('../../src/algos/index', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/algos/index')>()),
  createTrainer: async (): Promise<Trainer> => {
    let submitted = 0;
    return {
      config: { env: 'CartPole-v1', seed: 7, agents: 3, envDescriptor: { rewardThreshold: 475 } },
      numIterations: RETURNS.length,
      stepsPerIteration: STEPS_PER_ITERATION,
      device: {} as GPUDevice,
      nextIteration() {
        return submitted;
      },
      async iterate() {
        if (scripted.failAt !== null && submitted === scripted.failAt) {
          throw new NonFiniteError(submitted - 1, 'grad_norm', ['grad_norm', 'parameters'], 2, submitted - 2, true);
        }
        submitted += 1;
        return submitted > 1 ? stats(submitted - 2) : null;
      },
      async drain() {
        return stats(submitted - 1);
      },
      async readParameters() {
        return { networks: {} };
      },
      destroy() {
        scripted.destroyed = true;
      },
    };
  },
}));

describe('runTraining with a population', () => {
  let out = '';
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'wgrl-population-'));
    Object.assign(scripted, { failAt: null, destroyed: false });
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('writes population means with every agent’s own values', async () => {
    const updates: ProgressUpdate[] = [];
    const summary = await runTraining({} as GPUDevice, 'test adapter', { algo: 'ppo' }, out, { progress: (u) => updates.push(u) });
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metrics.map((m) => m.global_step)).toEqual([300, 600, 900]);
    expect(metrics.map((m) => m.return_mean_100)).toEqual([25, (100 + 480 + 60) / 3, (200 + 490 + 500) / 3]);
    expect(metrics.map((m) => m.episodic_return)).toEqual([25, (100 + 480 + 60) / 3, (200 + 490 + 500) / 3]);
    expect(metrics[1]!.policy_loss).toBe(2);
    expect(metrics[1]!.episodes).toBe(10 + 11 + 12);
    expect(metrics[0]!.agents).toEqual([0, 1, 2].map((g) => expect.objectContaining({ agent: g, return_mean_100: g === 0 ? null : RETURNS[0]![g], episodes: g, policy_loss: g })));

    expect(updates.map((u) => [u.step, u.returnMean100, u.bestReturnMean100, u.agents, u.final])).toEqual([
      [300, 25, 30, 3, false],
      [600, 640 / 3, 480, 3, false],
      [900, 1190 / 3, 500, 3, true],
    ]);

    const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(written).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(written).toMatchObject({
      env: 'CartPole-v1',
      algo: 'ppo',
      seed: 7,
      // global_step counts each agent's own steps (900 each); `steps` the whole population's.
      steps: 3 * 900,
      agents: 3,
      final_return_mean_100: 1190 / 3,
      episodes: 20 + 21 + 22,
      threshold: 475,
      threshold_reached_at_step: null,
      adapter: 'test adapter',
      agent_results: [
        { agent: 0, final_return_mean_100: 200, episodes: 20, threshold_reached_at_step: null },
        { agent: 1, final_return_mean_100: 490, episodes: 21, threshold_reached_at_step: 600 },
        { agent: 2, final_return_mean_100: 500, episodes: 22, threshold_reached_at_step: 900 },
      ],
    });
    expect(await readFile(join(out, 'curve.svg'), 'utf8')).toContain('<path d="M');
    expect(scripted.destroyed).toBe(true);
  });

  it('a NonFiniteError ends the run with its message; the lines so far stay in metrics.jsonl', async () => {
    scripted.failAt = 2;
    await expect(runTraining({} as GPUDevice, 'test adapter', { algo: 'ppo' }, out)).rejects.toThrow(
      'training stopped at iteration 1: grad_norm is not finite (agent 2; also parameters); parameters restored to the last good snapshot (after iteration 0)',
    );
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics).toHaveLength(1);
    expect(scripted.destroyed).toBe(true);
  });
});
