/**
 * `webgpu-rl eval` and `rollout` check their inputs before the GPU, without a GPU: acquireFromCli
 * is replaced by a stand-in that records the call, prints the adapter line as the real one does,
 * and fails; a bad checkpoint or --out must end the command with a message naming it before that
 * (no adapter line printed), and good inputs must get as far as it. `train` has the same checks in
 * test/unit/cli-train.test.ts; `export` uses no GPU at all.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { evalCommand, loadEvalCheckpoint } from '../../src/cli/eval';
import { rolloutCommand } from '../../src/cli/rollout';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint';

const gpuCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/cli/gpu-options', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/cli/gpu-options')>()),
  acquireFromCli: () => {
    gpuCalls.count += 1;
    console.log('adapter: stand-in');
    throw new Error('the GPU was acquired');
  },
}));

const FIXTURE = new URL('../fixtures/cartpole-ppo-seed1.wgrl', import.meta.url);

let dir = '';
let good = '';
let fixture: Checkpoint;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgrl-cli-first-'));
  good = join(dir, 'good.wgrl');
  await copyFile(FIXTURE, good);
  fixture = await decodeCheckpoint(new Uint8Array(await readFile(FIXTURE)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  gpuCalls.count = 0;
});

/** Runs a command in process; resolves with what it printed and the error it ended with. */
async function run(command: Command, args: string[]): Promise<{ printed: string[]; error: Error | null }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await command.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }).parseAsync(args, { from: 'user' });
    return { printed: log.mock.calls.map((c) => c.join(' ')), error: null };
  } catch (error) {
    return { printed: log.mock.calls.map((c) => c.join(' ')), error: error as Error };
  } finally {
    log.mockRestore();
  }
}

async function variant(name: string, change: (c: Checkpoint) => Checkpoint): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, await encodeCheckpoint(change(fixture)));
  return path;
}

describe('eval checks the checkpoint before the GPU', () => {
  it('a good checkpoint gets as far as the GPU, which prints the one adapter line', async () => {
    const { printed, error } = await run(evalCommand(), ['--checkpoint', good, '--episodes', '2']);
    expect(error?.message).toBe('the GPU was acquired');
    expect(gpuCalls.count).toBe(1);
    expect(printed).toEqual(['adapter: stand-in']);
  });

  it.each([
    ['missing', async () => join(dir, 'missing.wgrl'), /^--checkpoint .*missing\.wgrl: cannot read it \(ENOENT\)$/],
    ['a folder', async () => dir, /^--checkpoint .*: cannot read it \(EISDIR\)$/],
    [
      'not a checkpoint',
      async () => {
        await writeFile(join(dir, 'zeros.wgrl'), new Uint8Array(64));
        return join(dir, 'zeros.wgrl');
      },
      /^--checkpoint .*zeros\.wgrl: not a \.wgrl checkpoint/,
    ],
    [
      'altered',
      async () => {
        const bytes = new Uint8Array(await readFile(good));
        bytes[bytes.length - 40]! ^= 1;
        await writeFile(join(dir, 'altered.wgrl'), bytes);
        return join(dir, 'altered.wgrl');
      },
      /^--checkpoint .*altered\.wgrl: checkpoint checksum mismatch/,
    ],
    ['an unknown env', () => variant('unknown-env.wgrl', (c) => ({ ...c, env: { ...c.env, id: 'Pong-v5' } })), /^--checkpoint .*unknown-env\.wgrl: unknown env 'Pong-v5'/],
    [
      'a JavaScript env',
      () => variant('host-env.wgrl', (c) => ({ ...c, env: { ...c.env, host: true } })),
      /^--checkpoint .*host-env\.wgrl: trained on the JavaScript env 'CartPole-v1', which only the game that defines it can step/,
    ],
    [
      'spaces of another env',
      () => variant('spaces.wgrl', (c) => ({ ...c, env: { ...c.env, actionSpace: { kind: 'discrete', n: 3 } } })),
      /^--checkpoint .*spaces\.wgrl: checkpoint env 'CartPole-v1' has action space .*"n":3/,
    ],
    ['a config its trainer refuses', () => variant('config.wgrl', (c) => ({ ...c, config: { ...c.config, numEnv: 8 } })), /^--checkpoint .*config\.wgrl: ppo: unknown field 'numEnv'/],
  ])('%s: an error naming the file, no adapter line', async (_, path, message) => {
    const checkpoint = await path();
    const { printed, error } = await run(evalCommand(), ['--checkpoint', checkpoint]);
    expect(error?.message).toMatch(message);
    expect(gpuCalls.count).toBe(0);
    expect(printed).toEqual([]);
    await expect(loadEvalCheckpoint(checkpoint)).rejects.toThrow(message);
  });
});

describe('rollout checks its options and --out before the GPU', () => {
  const args = (out: string) => ['--env', 'cartpole', '--envs', '2', '--steps', '3', '--out', out];

  it('a writable --out gets as far as the GPU, and an earlier trace there is left as it was', async () => {
    const out = join(dir, 'trace.jsonl');
    await writeFile(out, 'earlier trace\n');
    const { printed, error } = await run(rolloutCommand(), args(out));
    expect(error?.message).toBe('the GPU was acquired');
    expect(printed).toEqual(['adapter: stand-in']);
    expect(await readFile(out, 'utf8')).toBe('earlier trace\n');
  });

  it.each([
    ['a missing folder', () => join(dir, 'no-such-dir', 'trace.jsonl'), /^--out .*no-such-dir\/trace\.jsonl: cannot write it \(ENOENT\)$/],
    ['a folder', () => dir, /^--out .*: cannot write it \(EISDIR: it is a folder\)$/],
  ])('%s as --out: an error naming it, no adapter line', async (_, out, message) => {
    const { printed, error } = await run(rolloutCommand(), args(out()));
    expect(error?.message).toMatch(message);
    expect(gpuCalls.count).toBe(0);
    expect(printed).toEqual([]);
  });

  it('bad options: an error naming the flag, no adapter line', async () => {
    await mkdir(join(dir, 'ok'), { recursive: true });
    const out = join(dir, 'ok', 'trace.jsonl');
    for (const [flags, message] of [
      [['--env', 'Pong-v5'], /unknown env 'Pong-v5'/],
      [['--env', 'cartpole', '--envs', '0'], /--envs must be a positive integer \(got 0\)/],
      [['--env', 'cartpole', '--policy', 'greedy'], /--policy must be 'random' \(got 'greedy'\)/],
    ] as const) {
      const { printed, error } = await run(rolloutCommand(), [...flags, '--out', out]);
      expect(error?.message).toMatch(message);
      expect(printed).toEqual([]);
    }
    expect(gpuCalls.count).toBe(0);
  });
});
