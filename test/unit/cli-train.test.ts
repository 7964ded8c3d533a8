/**
 * `webgpu-rl train` without a GPU: option, --config and --out errors end the command with their
 * message before the GPU is acquired (acquireFromCli is replaced by one that fails the test), the
 * population's metrics.jsonl record, and the progress display on a terminal and in a log; a MuJoCo
 * locomotion id resolves to its env.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ALGORITHMS, resolveTrainerConfig } from '../../src/algos/index';
import type { ResolvedPpoConfig } from '../../src/algos/ppo/config';
import type { MujocoLocomotionEnv } from '../../src/mujoco';
import { createProgress, formatProgressLine, type ProgressUpdate } from '../../src/cli/progress';
import { metricsRecord, populationReturn, trainCommand, trainConfigFromOptions } from '../../src/cli/train';
import { STATISTICS, type StatisticName } from '../../src/losses/statistics';
import type { AgentReport, IterationStats } from '../../src/train/report';

vi.mock('../../src/cli/gpu-options', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/cli/gpu-options')>()),
  acquireFromCli: () => {
    throw new Error('the GPU was acquired: option errors must come first');
  },
}));

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgrl-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Runs `train <args>` in process; resolves with the error it ends with (commander's usage errors included). */
async function trainError(args: string[]): Promise<Error> {
  const command = trainCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (error) {
    return error as Error;
  }
  throw new Error(`train ${args.join(' ')} did not fail`);
}

describe('train command options', () => {
  it('shows --config errors (unknown field, wrong type, bad JSON) before any GPU work', async () => {
    const unknown = await configFile('unknown.json', JSON.stringify({ numEnv: 8 }));
    expect((await trainError(['--config', unknown, '--out', dir])).message).toMatch(/^ppo: unknown field 'numEnv' \(known fields: .*numEnvs/);
    const wrongType = await configFile('type.json', JSON.stringify({ numEnvs: '8' }));
    expect((await trainError(['--config', wrongType])).message).toBe("ppo: numEnvs must be an integer in [1, 65536] (got '8')");
    const flag = await configFile('flag.json', JSON.stringify({ annealLr: 'yes' }));
    expect((await trainError(['--config', flag])).message).toBe("ppo: annealLr must be true or false (got 'yes')");
    const notJson = await configFile('bad.json', '{ "numEnvs": 8, }');
    expect((await trainError(['--config', notJson])).message).toMatch(new RegExp(`^--config ${notJson}: not valid JSON \\(`));
    const array = await configFile('array.json', '[1, 2]');
    expect((await trainError(['--config', array])).message).toBe(`--config ${array}: must hold a JSON object of config fields`);
    expect((await trainError(['--config', join(dir, 'missing.json')])).message).toBe(`--config ${join(dir, 'missing.json')}: cannot read it (ENOENT)`);
  });

  it('checks --algo, --env, --seed, --steps and --agents before any GPU work', async () => {
    expect((await trainError(['--algo', 'sac'])).message).toBe(`unknown algorithm 'sac' (valid: ${ALGORITHMS.join(', ')})`);
    expect((await trainError(['--env', 'Pong-v5'])).message).toMatch(/^unknown env 'Pong-v5' \(valid: .*CartPole-v1/);
    expect((await trainError(['--seed', 'x'])).message).toBe('ppo: seed must be an integer in [0, 4294967295] (got NaN)');
    expect((await trainError(['--steps', '1e5'])).message).toBe('ppo: totalTimesteps must be a positive integer (got NaN)');
    for (const bad of ['0', '-2', '1.5', 'many']) {
      expect((await trainError(['--agents', bad])).message).toContain(`--agents must be a positive integer (got '${bad}')`);
    }
    // An --out that cannot be a folder (a file is there) ends the command before the GPU too.
    const file = await configFile('not-a-folder', '');
    expect((await trainError(['--steps', '1024', '--out', join(file, 'run')])).message).toBe(`--out ${join(file, 'run')}: cannot create the folder (ENOTDIR)`);
    // A valid command gets as far as the GPU (here: the stand-in that fails).
    expect((await trainError(['--steps', '1024', '--out', dir])).message).toMatch(/the GPU was acquired/);
  });

  it('checks --stop-at, --eval-every, --eval-episodes and --resume before any GPU work', async () => {
    for (const bad of ['x', 'Infinity', '-Infinity', 'NaN', '', '1e400']) {
      expect((await trainError(['--stop-at', bad])).message).toContain(`--stop-at must be a finite number, a mean return (got '${bad}')`);
    }
    for (const bad of ['0', '-1', '2.5', 'often']) {
      expect((await trainError(['--eval-every', bad])).message).toContain(`--eval-every must be a positive integer (got '${bad}')`);
      expect((await trainError(['--eval-episodes', bad])).message).toContain(`--eval-episodes must be a positive integer (got '${bad}')`);
    }
    expect((await trainError(['--eval-episodes', '5'])).message).toBe('--eval-episodes and --eval-stochastic shape the evaluations of --eval-every: give --eval-every <K> too');
    const missing = join(dir, 'no-run');
    expect((await trainError(['--resume', missing])).message).toBe(`--resume ${missing}: cannot read it (ENOENT)`);
    const notCheckpoint = await configFile('not-a-checkpoint.wgrl', 'hello');
    expect((await trainError(['--resume', notCheckpoint])).message).toMatch(new RegExp(`^--resume ${notCheckpoint}: `));
    // Valid ones get as far as the GPU (here: the stand-in that fails).
    expect((await trainError(['--steps', '1024', '--stop-at', '-12.5', '--eval-every', '2', '--eval-episodes', '3', '--out', dir])).message).toMatch(/the GPU was acquired/);
    const help = trainCommand().helpInformation();
    for (const flag of ['--stop-at <R>', '--resume <path>', '--eval-every <K>', '--eval-episodes <n>', '--eval-stochastic']) expect(help).toContain(flag);
  });

  it("takes the --config file's algo unless --algo is given, and ignores its $schema", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgpu-rl-config-'));
    const file = join(dir, 'trpo.json');
    await writeFile(file, JSON.stringify({ $schema: './node_modules/webgpu-rl/dist/config.schema.json', algo: 'trpo', numEnvs: 8 }));
    const fromFile = await trainConfigFromOptions({ config: file, out: dir });
    expect(fromFile).toMatchObject({ algo: 'trpo', numEnvs: 8 });
    expect(fromFile).not.toHaveProperty('$schema');
    expect(await trainConfigFromOptions({ config: file, algo: 'ppo', out: dir })).toMatchObject({ algo: 'ppo', numEnvs: 8 });
    expect(await trainConfigFromOptions({ out: dir })).toMatchObject({ algo: 'ppo' });
    await rm(dir, { recursive: true, force: true });
  });

  it('--preset locomotion is the base the --config file and the flags go on top of; an unknown preset is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgpu-rl-preset-'));
    const file = join(dir, 'wide.json');
    await writeFile(file, JSON.stringify({ hiddenSizes: [512, 512] }));
    const preset = await trainConfigFromOptions({ preset: 'locomotion', env: 'Pendulum-v1', out: dir });
    expect(preset).toMatchObject({ algo: 'ppo', env: 'Pendulum-v1', numEnvs: 64, numSteps: 32, numMinibatches: 32, updateEpochs: 4, entCoef: 0.01, annealEntCoef: true, hiddenSizes: [256, 256] });
    const resolved = resolveTrainerConfig(preset) as ResolvedPpoConfig;
    // 64 envs × 32 steps = 2 048 per update in minibatches of 64; Pendulum's own defaults give way to the preset's.
    expect([resolved.batchSize, resolved.minibatchSize, resolved.gamma, resolved.normObs, resolved.normReward]).toEqual([2048, 64, 0.99, true, true]);
    const overridden = await trainConfigFromOptions({ preset: 'locomotion', config: file, seed: 7, steps: 4096, out: dir });
    expect(overridden).toMatchObject({ hiddenSizes: [512, 512], seed: 7, totalTimesteps: 4096, numEnvs: 64 });
    await expect(trainConfigFromOptions({ preset: 'walking', out: dir })).rejects.toThrow("unknown preset 'walking' (valid: locomotion)");
    expect(trainCommand().helpInformation()).toContain('--preset <name>');
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves a MuJoCo locomotion id (any case) to its env, with its PPO defaults, and lists the ids in --help', async () => {
    const config = await trainConfigFromOptions({ env: 'hopper-V5', steps: 4096, out: dir });
    const env = config.env as MujocoLocomotionEnv;
    try {
      expect([env.name, env.observationSize, env.actionSpace.kind]).toEqual(['Hopper-v5', 11, 'box']);
      const resolved = resolveTrainerConfig(config) as ResolvedPpoConfig;
      expect([resolved.env, resolved.numEnvs, resolved.numSteps, resolved.updateEpochs, resolved.normObs, resolved.normReward, resolved.maxEpisodeSteps]).toEqual([
        'Hopper-v5', 16, 128, 10, true, true, 1000,
      ]);
    } finally {
      env.close();
    }
    expect(trainCommand().helpInformation().replace(/\s+/g, ' ')).toMatch(/with @mujoco\/mujoco installed also Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5, Humanoid-v5/);
    expect((await trainError(['--env', 'Hopper-v9'])).message).toMatch(/^unknown env 'Hopper-v9' \(valid: CartPole-v1/);
  });

  it('lists every algorithm in --help', () => {
    const help = trainCommand().helpInformation();
    for (const name of ALGORITHMS) expect(help).toContain(name);
    expect(help).toContain('--agents <G>');
  });

  it('passes --agents to the trainer config, or says that the trainer has no populations', async () => {
    const one = await trainConfigFromOptions({ algo: 'ppo', agents: 1, out: dir });
    expect([undefined, 1]).toContain((one as { agents?: number }).agents);
    await expect(trainConfigFromOptions({ algo: 'ppo', agents: 0, out: dir })).rejects.toThrow('--agents must be a positive integer (got 0)');
    for (const algo of ALGORITHMS) {
      const outcome = await trainConfigFromOptions({ algo, agents: 4, out: dir }).then(
        (config) => ({ agents: (config as { agents?: number }).agents }),
        (error: Error) => ({ error: error.message }),
      );
      // Until a trainer takes `agents` it is refused by name; once it does, it is passed through.
      if ('error' in outcome) expect(outcome.error, algo).toBe(`agents = 4: the ${algo} trainer does not train populations yet (use agents = 1, or leave it out)`);
      else expect(outcome.agents, algo).toBe(4);
    }
  });
});

const NAN_RECORD = () => Object.fromEntries(Object.keys(STATISTICS).map((name) => [name, Number.NaN])) as Record<StatisticName, number>;

function agentReport(values: Partial<Record<StatisticName, number>>, returnMean100: number, episodesFinished: number): AgentReport {
  return { statistics: { ...NAN_RECORD(), ...values }, episodesFinished, recentReturns: [], returnMean100, algorithm: new Float32Array(16), episodeMetrics: {} };
}

function iterationStats(agents: AgentReport[] | undefined): IterationStats {
  const first = agents?.[0] ?? agentReport({ episodic_return: 12, policy_loss: 0.5 }, 20, 4);
  return {
    iteration: 3,
    globalStep: 4096,
    learningRate: 2.5e-4,
    statistics: first.statistics,
    episodesFinished: first.episodesFinished,
    recentReturns: first.recentReturns,
    returnMean100: first.returnMean100,
    episodeMetrics: first.episodeMetrics,
    counters: { dispatches: 1, copies: 1, computePasses: 1, submits: 1, buffersCreated: 0, readbacks: 1, bytesReadBack: 4 },
    ...(agents ? { agents } : {}),
  };
}

describe('metrics.jsonl record', () => {
  it('carries one agent’s metrics by CleanRL’s names, NaN as null', () => {
    const record = metricsRecord(iterationStats(undefined), 1234.4);
    expect(record).toMatchObject({ global_step: 4096, iteration: 3, SPS: 1234, episodic_return: 12, policy_loss: 0.5, value_loss: null, return_mean_100: 20, episodes: 4 });
    expect(record).not.toHaveProperty('agents');
  });

  it('with a population: the mean over agents where a metric applies, and every agent’s own', () => {
    const agents = [
      agentReport({ episodic_return: 10, policy_loss: 1, entropy: 0.5 }, 30, 5),
      agentReport({ policy_loss: 3, entropy: 0.7 }, Number.NaN, 0),
      agentReport({ episodic_return: 40, policy_loss: -1, entropy: 0.6 }, 50, 7),
    ];
    const record = metricsRecord(iterationStats(agents), 99);
    expect(record.episodic_return).toBe(25);
    expect(record.return_mean_100).toBe(40);
    expect(record.policy_loss).toBe(1);
    expect(record.entropy).toBeCloseTo(0.6, 12);
    expect(record.value_loss).toBeNull();
    expect(record.episodes).toBe(12);
    const own = record.agents as Record<string, unknown>[];
    expect(own).toHaveLength(3);
    expect(own[1]).toMatchObject({ agent: 1, episodic_return: null, return_mean_100: null, episodes: 0, policy_loss: 3 });
    expect(own[2]).toMatchObject({ agent: 2, episodic_return: 40, return_mean_100: 50, episodes: 7 });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(populationReturn(iterationStats(agents))).toEqual({ mean: 40, best: 50, agents: 3 });
  });
});

describe('progress display', () => {
  const update = (step: number, final = false): ProgressUpdate => ({ step, total: 1000, sps: 2500.4, returnMean100: 21.25, elapsedSeconds: 3.2, final });

  it('writes plain lines to a log: the first, then at most one per interval, and the last', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const progress = createProgress({ stream, intervalMs: 60_000 });
    progress.update(update(100));
    progress.update(update(200));
    progress.update(update(1000, true));
    progress.stop();
    expect(lines).toEqual(['step 100/1000 (10.0%)  2500 SPS  return(100) 21.3  3 s\n', 'step 1000/1000 (100.0%)  2500 SPS  return(100) 21.3  3 s\n']);
    expect(formatProgressLine({ ...update(10), returnMean100: Number.NaN, bestReturnMean100: 9, agents: 4 })).toBe(
      'step 10/1000 (1.0%)  2500 SPS  return(100) — (best 9.0 of 4 agents)  3 s',
    );
  });

  it('draws a cli-progress bar on a terminal, and nothing when quiet', () => {
    let output = '';
    const stream = { isTTY: true, columns: 160, write: (s: string) => ((output += s), true) } as unknown as NodeJS.WriteStream;
    const progress = createProgress({ stream });
    progress.update(update(500));
    progress.update(update(1000, true));
    progress.stop();
    expect(output).toContain('1000/1000 steps | 2500 SPS | return(100) 21.3');
    const quiet = { isTTY: true, columns: 160, write: () => expect.fail('quiet progress wrote') } as unknown as NodeJS.WriteStream;
    const silent = createProgress({ stream: quiet, quiet: true });
    silent.update(update(1000, true));
    silent.stop();
  });
});
