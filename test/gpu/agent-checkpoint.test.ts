/**
 * Checkpoints through the Agent: a resumed run is the uninterrupted run (parameters after N more
 * iterations equal, for a categorical and for a Gaussian policy with both running normalisers);
 * save → load → save is exact; a checkpoint with a wrong checksum, a newer format, another network
 * or other env spaces is refused with a clear error and changes nothing (the agent's state, the
 * file on disk); and a device destroyed during training is reported, and resume() on a new device
 * continues from the last autosave to the uninterrupted run's final statistics.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent, decodeCheckpoint, DeviceLostError, type AlgorithmConfig, type Checkpoint, type HostEnv, type IterationStats } from '../../src/index';
import { fileSink, readCheckpointFile } from '../../src/node';
import { useGpu } from '../support/gpu';

const CARTPOLE: AlgorithmConfig = { algo: 'ppo', numEnvs: 4, numSteps: 32, hiddenSizes: [16], totalTimesteps: 8 * 128, seed: 11 };
const PENDULUM: AlgorithmConfig = { algo: 'ppo', numEnvs: 4, numSteps: 32, hiddenSizes: [16], numMinibatches: 2, updateEpochs: 2, totalTimesteps: 8 * 128, seed: 4 };

const largestDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

async function trainAll(agent: Agent, iterations?: number): Promise<IterationStats[]> {
  const out: IterationStats[] = [];
  for await (const stats of agent.train(iterations === undefined ? {} : { iterations })) out.push(stats);
  return out;
}

describe('Agent checkpoints', () => {
  const gpu = useGpu();

  for (const [env, algorithm] of [
    ['CartPole-v1', CARTPOLE],
    ['Pendulum-v1', PENDULUM],
  ] as const) {
    it(`resuming ${env} from a checkpoint continues the same run`, async () => {
      const device = gpu().device;
      const whole = await Agent.create({ env, algorithm, device });
      const wholeStats = await trainAll(whole);
      const expected = await whole.checkpoint();
      whole.destroy();

      const first = await Agent.create({ env, algorithm, device });
      await trainAll(first, 3);
      const bytes = await first.save();
      first.destroy();
      const resumed = await Agent.load(bytes, { device });
      expect(resumed.iteration).toBe(3);
      const resumedStats = await trainAll(resumed);
      const actual = await resumed.checkpoint();
      resumed.destroy();

      expect(actual.iteration).toBe(8);
      for (const name of ['actor', 'critic']) {
        const a = actual.networks.find((n) => n.name === name)!.parameters;
        const e = expected.networks.find((n) => n.name === name)!.parameters;
        const error = largestDifference(a, e);
        console.log(`${env} resume: ${name} parameters after 5 more iterations differ by at most ${error}`);
        expect(error).toBeLessThan(1e-5);
      }
      if (env === 'Pendulum-v1') expect(actual.observationNormaliser!.mean).toEqual(expected.observationNormaliser!.mean);
      expectSameState(actual, expected);
      // The statistics of the resumed iterations (episode ring included) are the uninterrupted run's.
      expect(resumedStats.map((s) => [s.iteration, s.returnMean100, s.episodesFinished])).toEqual(
        wholeStats.slice(3).map((s) => [s.iteration, s.returnMean100, s.episodesFinished]),
      );
    });
  }

  // Every algorithm: 2 iterations, a checkpoint, then 2 more after a reload equal 2 more without one.
  const SMALL = { numEnvs: 4, numSteps: 16, hiddenSizes: [8], seed: 5 };
  for (const algorithm of [
    { algo: 'ppo-kl', ...SMALL, totalTimesteps: 4 * 64 },
    { algo: 'reinforce', ...SMALL, totalTimesteps: 4 * 64 },
    { algo: 'a2c', ...SMALL, totalTimesteps: 4 * 64 },
    { algo: 'offpolicy', ...SMALL, totalTimesteps: 4 * 64 },
    { algo: 'trpo', ...SMALL, totalTimesteps: 4 * 64 },
    { algo: 'cem', seed: 5, populationSize: 6, maxEpisodeSteps: 40, totalTimesteps: 4 * 240 },
  ] as const) {
    it(`${algorithm.algo}: a reloaded checkpoint continues bit for bit`, async () => {
      const device = gpu().device;
      const whole = await Agent.create({ env: 'CartPole-v1', algorithm, device });
      await trainAll(whole);
      const expected = await whole.checkpoint();
      const first = await Agent.create({ env: 'CartPole-v1', algorithm, device });
      await trainAll(first, 2);
      const resumed = await Agent.load(await first.save(), { device });
      first.destroy();
      await trainAll(resumed);
      const actual = await resumed.checkpoint();
      const { actions } = await resumed.act([0.01, 0.02, -0.03, 0.04], { deterministic: true });
      expect(actions.length).toBe(1);
      whole.destroy();
      resumed.destroy();
      expect(actual.iteration).toBe(4);
      expect(Object.keys(actual.state!)).toEqual(Object.keys(expected.state!));
      expectSameState(actual, expected);
    });
  }

  it('save → load → save is exact', async () => {
    const device = gpu().device;
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm: CARTPOLE, device });
    await trainAll(agent, 2);
    const bytes = await agent.save();
    agent.destroy();
    const loaded = await Agent.load(bytes, { device });
    const again = await decodeCheckpoint(await loaded.save());
    const original = await decodeCheckpoint(bytes);
    loaded.destroy();
    const { createdAt: _a, ...x } = original;
    const { createdAt: _b, ...y } = again;
    expect(y).toEqual(x);
    expect(Object.keys(original.state!).length).toBeGreaterThan(8);
  });

  it('refuses a bad checkpoint with a clear error and changes nothing', async () => {
    const device = gpu().device;
    const dir = await mkdtemp(join(tmpdir(), 'wgrl-agent-'));
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm: CARTPOLE, device });
    try {
      await trainAll(agent, 2);
      const good = await agent.save();
      const before = await agent.checkpoint();
      const file = join(dir, 'agent.wgrl');
      // As an autosave to a file would write it (atomically, via writeFileAtomic).
      await fileSink(file)(good, { iteration: 2, globalStep: 128 });

      const corrupt = good.slice();
      corrupt[Math.floor(corrupt.length / 2)]! ^= 0x40;
      await expect(agent.restore(corrupt)).rejects.toThrow(/checkpoint checksum mismatch .* the file is truncated or altered/);
      await expect(agent.restore(good.subarray(0, good.length - 100))).rejects.toThrow(/checksum mismatch/);
      const newer = good.slice();
      new DataView(newer.buffer).setUint32(4, 4, true);
      await expect(agent.restore(newer)).rejects.toThrow(/checkpoint format version 4 is newer than this engine .* upgrade webgpu-rl/);
      await expect(Agent.load(good, { device, env: 'Acrobot-v1' })).rejects.toThrow(
        "checkpoint env 'CartPole-v1' has observations of 4 values; this env has 6",
      );
      const threeActions: HostEnv = {
        name: 'three-actions',
        observationSize: 4,
        actionSpace: { kind: 'discrete', n: 3 },
        maxEpisodeSteps: 10,
        reset: () => [0, 0, 0, 0],
        step: () => ({ observation: [0, 0, 0, 0], reward: 0, terminated: true }),
      };
      await expect(Agent.load(good, { device, env: threeActions })).rejects.toThrow(
        `checkpoint env 'CartPole-v1' has action space {"kind":"discrete","n":2}; this env has {"kind":"discrete","n":3}`,
      );

      const wider = await Agent.create({ env: 'CartPole-v1', algorithm: { ...CARTPOLE, hiddenSizes: [32] }, device });
      await trainAll(wider, 1);
      const widerBefore = await wider.checkpoint();
      await expect(wider.restore(good)).rejects.toThrow(/checkpoint network 'actor' is .*"hiddenSizes":\[16\].*; expected .*"hiddenSizes":\[32\]/);
      expect(sameNetworks(await wider.checkpoint(), widerBefore)).toBe(true);
      wider.destroy();

      // The refusals left the agent and the file as they were.
      expect(sameNetworks(await agent.checkpoint(), before)).toBe(true);
      expect(Buffer.compare(await readCheckpointFile(file), good)).toBe(0);
      await writeFile(join(dir, 'garbage.wgrl'), 'not a checkpoint at all, but long enough to have a digest');
      await expect(Agent.load(await readFile(join(dir, 'garbage.wgrl')), { device })).rejects.toThrow(/not a .wgrl checkpoint \(magic 'not '/);
    } finally {
      agent.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a device lost during training is reported, and resume() continues from the last autosave', async () => {
    const algorithm: AlgorithmConfig = { ...CARTPOLE, totalTimesteps: 12 * 128 };
    const whole = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    const wholeStats = await trainAll(whole);
    whole.destroy();

    // Its own device (acquired by the agent), so that destroying it spares the test's.
    const saved: number[] = [];
    const agent = await Agent.create({
      env: 'CartPole-v1',
      algorithm,
      autosave: { every: 4, sink: async (_bytes, info) => void saved.push(info.iteration) },
    });
    const events: string[] = [];
    agent.addEventListener('devicelost', () => events.push('devicelost'));
    agent.addEventListener('resumed', () => events.push('resumed'));
    const seen: IterationStats[] = [];
    let failure: unknown;
    try {
      for await (const stats of agent.train()) {
        seen.push(stats);
        if (stats.iteration === 5) agent.device.destroy();
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(DeviceLostError);
    expect((failure as DeviceLostError).message).toMatch(/the GPU device was lost \(destroyed.*call resume\(\) to continue from the checkpoint of iteration 4/);
    expect(events).toEqual(['devicelost']);
    expect(saved).toEqual([4]);
    await expect(agent.act([0, 0, 0, 0])).rejects.toBeInstanceOf(DeviceLostError);

    await agent.resume();
    expect(events).toEqual(['devicelost', 'resumed']);
    expect(agent.iteration).toBe(4);
    const after = await trainAll(agent);
    agent.destroy();
    expect(saved).toEqual([4, 8, 12]);
    // Bit for bit the uninterrupted run: the same final statistics, hence the same return band.
    expect(after.at(-1)!.returnMean100).toBe(wholeStats.at(-1)!.returnMean100);
    expect(after.map((s) => s.iteration)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

/** Every persistent buffer byte for byte: Adam's moments, the envs, the normalisers, the report, the guard. */
function expectSameState(actual: Checkpoint, expected: Checkpoint): void {
  expect(Object.keys(actual.state!)).toEqual(Object.keys(expected.state!));
  for (const [name, bytes] of Object.entries(expected.state!)) expect(Buffer.compare(actual.state![name]!, bytes), name).toBe(0);
}

function sameNetworks(a: Checkpoint, b: Checkpoint): boolean {
  return a.iteration === b.iteration && a.networks.every((n, i) => largestDifference(n.parameters, b.networks[i]!.parameters) === 0);
}
