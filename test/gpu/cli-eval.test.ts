/**
 * `webgpu-rl eval`: a checkpoint written by `train --out` is played greedily; the last line is
 * `mean ± std return over n episodes`, and its numbers are the evaluation's (checked against
 * evaluateAgent on the same checkpoint and seed). A missing or corrupt file is an error naming it.
 * The whole command, run in process, prints the adapter line once, after the checkpoint was
 * checked: a bad checkpoint ends it with no adapter line at all (nothing touched the GPU).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCheckpointFile } from '../../src/cli/eval';
import { runTraining } from '../../src/cli/train';
import { Agent, evaluateAgent, formatAdapter } from '../../src/index';
import { useGpu } from '../support/gpu';
import { runEval } from '../support/run-eval';

describe('eval command', () => {
  const gpu = useGpu();

  it("plays a train --out checkpoint and ends with 'mean ± std return over n episodes'", async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgrl-eval-'));
    try {
      const device = gpu().device;
      await runTraining(device, formatAdapter(gpu().adapter), { algo: 'ppo', env: 'CartPole-v1', numEnvs: 4, numSteps: 32, hiddenSizes: [16], totalTimesteps: 4 * 128, seed: 6 }, out);
      const file = join(out, 'checkpoint.wgrl');
      const lines = await evaluateCheckpointFile(device, { checkpoint: file, episodes: 5, seed: 99 });
      console.log(lines.join('\n'));
      const last = /^(-?\d+\.\d\d) ± (\d+\.\d\d) return over 5 episodes$/.exec(lines.at(-1)!);
      expect(last).not.toBeNull();
      const agent = await Agent.load(new Uint8Array(await readFile(file)), { device });
      const direct = await evaluateAgent(agent, { episodes: 5, seed: 99 });
      agent.destroy();
      expect(Number(last![1])).toBeCloseTo(direct.mean, 2);
      expect(Number(last![2])).toBeCloseTo(direct.std, 2);
      expect(direct.returns.every((r) => r >= 1 && r <= 500)).toBe(true);

      await expect(evaluateCheckpointFile(device, { checkpoint: join(out, 'missing.wgrl'), episodes: 2 })).rejects.toThrow(/missing\.wgrl/);
      await writeFile(join(out, 'bad.wgrl'), new Uint8Array(64));
      await expect(evaluateCheckpointFile(device, { checkpoint: join(out, 'bad.wgrl'), episodes: 2 })).rejects.toThrow(/--checkpoint .*bad\.wgrl: not a \.wgrl checkpoint/);

      // The command itself: one adapter line, first; the same last line as the function's.
      const command = await runEval(['--checkpoint', file, '--episodes', '5', '--seed', '99']);
      console.log(command.printed.join('\n'));
      expect(command.error).toBeNull();
      expect(command.printed.filter((line) => line.startsWith('adapter:'))).toHaveLength(1);
      expect(command.printed[0]).toBe(`adapter: ${formatAdapter(gpu().adapter)}`);
      expect(command.printed.at(-1)).toBe(lines.at(-1));
      // A bad checkpoint: the error names it, and no adapter line came before it.
      const bad = await runEval(['--checkpoint', join(out, 'bad.wgrl')]);
      expect(bad.error?.message).toMatch(/^--checkpoint .*bad\.wgrl: not a \.wgrl checkpoint/);
      expect(bad.printed).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
