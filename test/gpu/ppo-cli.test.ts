/**
 * `webgpu-rl train`'s outputs on a short run: one metrics.jsonl line per iteration with CleanRL's
 * names, summary.json's fields, a checkpoint.wgrl that decodes to the trained state, and a
 * curve.svg; and the command's option errors, raised before any GPU work.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProgressLine, type ProgressUpdate } from '../../src/cli/progress';
import { runTraining, trainConfigFromOptions } from '../../src/cli/train';
import { ALGORITHMS } from '../../src/algos/index';
import { formatAdapter } from '../../src/gpu/index';
import { mlpLayout } from '../../src/nn/mlp-spec';
import { decodeCheckpoint } from '../../src/train/checkpoint';
import { gpuStep, useGpu } from '../support/gpu';

describe('train command', () => {
  const gpu = useGpu();

  it('writes metrics.jsonl, summary.json, checkpoint.wgrl and curve.svg', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgrl-train-'));
    try {
      const configFile = join(out, 'config.json');
      await writeFile(configFile, JSON.stringify({ numEnvs: 2, numSteps: 64, hiddenSizes: [16, 16] }));
      const config = await trainConfigFromOptions({ algo: 'ppo', env: 'cartpole', seed: 3, steps: 5 * 128, config: configFile, out });
      const updates: ProgressUpdate[] = [];
      const summary = await gpuStep(gpu(), 'train', () =>
        runTraining(gpu().device, formatAdapter(gpu().adapter), config, out, { progress: (update) => updates.push(update) }),
      );
      const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
      expect(metrics.map((m) => m.global_step)).toEqual([128, 256, 384, 512, 640]);
      for (const key of ['SPS', 'episodic_return', 'policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac', 'explained_variance', 'learning_rate', 'return_mean_100']) {
        expect(metrics[4], key).toHaveProperty(key);
      }
      // One progress update per iteration; the last one is final and agrees with metrics.jsonl.
      expect(updates.map((u) => [u.step, u.total, u.final])).toEqual([128, 256, 384, 512, 640].map((step) => [step, 640, step === 640]));
      expect(updates.at(-1)!.returnMean100).toBeCloseTo(metrics[4]!.return_mean_100!, 10);
      expect(updates.at(-1)!.sps).toBeGreaterThan(0);
      expect(formatProgressLine(updates.at(-1)!)).toMatch(/^step 640\/640 \(100\.0%\) {2}\d+ SPS {2}return\(100\) [\d.]+ {2}\d+ s$/);
      const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
      expect(written).toMatchObject({ env: 'CartPole-v1', algo: 'ppo', seed: 3, steps: 640, threshold: 475, adapter: formatAdapter(gpu().adapter) });
      expect(written.final_return_mean_100).toBe(summary.final_return_mean_100);
      expect(written.final_return_mean_100).toBeCloseTo(metrics[4]!.return_mean_100!, 10);
      expect(typeof written.wall_s === 'number' && typeof written.sps === 'number').toBe(true);

      const checkpoint = await decodeCheckpoint(new Uint8Array(await readFile(join(out, 'checkpoint.wgrl'))));
      expect(checkpoint).toMatchObject({ algo: 'ppo', env: { id: 'CartPole-v1' }, seed: 3, globalStep: 640, iteration: 5, policy: 'categorical' });
      expect(Object.keys(checkpoint.state ?? {})).toEqual(expect.arrayContaining(['parameters', 'adam.firstMoment', 'env.states', 'report']));
      expect(checkpoint.networks.map((n) => n.name)).toEqual(['actor', 'critic']);
      for (const network of checkpoint.networks) {
        expect(network.parameters.length).toBe(mlpLayout(network.spec).parametersPerAgent);
        expect(network.parameters.every(Number.isFinite)).toBe(true);
      }
      const svg = await readFile(join(out, 'curve.svg'), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('<path d="M');
      expect(svg.trim().endsWith('</svg>')).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('rejects bad options before any GPU work', async () => {
    const base = { algo: 'ppo', out: 'unused' };
    await expect(trainConfigFromOptions({ ...base, algo: 'sac' })).rejects.toThrow(`unknown algorithm 'sac' (valid: ${ALGORITHMS.join(', ')})`);
    await expect(trainConfigFromOptions({ ...base, env: 'Pong-v5' })).rejects.toThrow(/unknown env 'Pong-v5'/);
    // A box env is TRPO's too (a Gaussian head).
    await expect(trainConfigFromOptions({ ...base, algo: 'trpo', env: 'MountainCarContinuous-v0' })).resolves.toMatchObject({ algo: 'trpo', env: 'MountainCarContinuous-v0' });
    await expect(trainConfigFromOptions({ ...base, seed: -1 })).rejects.toThrow('ppo: seed must be an integer in [0, 4294967295] (got -1)');
    await expect(trainConfigFromOptions({ ...base, steps: Number.NaN })).rejects.toThrow('ppo: totalTimesteps must be a positive integer (got NaN)');
    await expect(trainConfigFromOptions({ ...base, config: '/nonexistent/config.json' })).rejects.toThrow(/ENOENT/);
  });
});
