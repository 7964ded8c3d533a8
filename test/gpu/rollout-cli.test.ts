/**
 * The rollout tracer (src/cli/rollout.ts) on CartPole-v1: every line is the reference transition
 * of its state and action, consecutive lines chain (next_state, or a fresh reset after an ended
 * episode), the random policy is the documented Philox draw, and bad options are refused before
 * any GPU work. Also runs the traced command end to end through commander, writing a file, and
 * traces a hybrid env (Aim-v0: an action is its floats, then its branch indices).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRolloutOptions, POLICY_STREAM, randomPolicyAction, traceRollout, type RolloutRecord } from '../../src/cli/rollout';
import { cartPoleReset, cartPoleStep } from '../reference/envs/cartpole';
import { resetUniforms } from '../reference/envs/env-rng';
import { philox4x32, uniformFromBits } from '../reference/philox';
import { freshSeed } from '../support/random';
import { AIM } from '../support/aim-env';
import { registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { useGpu } from '../support/gpu';

const close = (gpu: number, ref: number) => Math.abs(gpu - ref) <= 1e-5 * Math.max(1, Math.abs(ref));

describe('rollout tracer', () => {
  const gpu = useGpu();

  it('writes one line per (step, env) matching the CartPole reference transition', async () => {
    const seed = freshSeed();
    const envs = 3;
    const steps = 60;
    let text = '';
    await traceRollout(gpu().device, { env: 'cartpole', envs, steps, seed, policy: 'random' }, (lines) => {
      text += lines;
    });
    const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as RolloutRecord);
    expect(records.length).toBe(envs * steps);
    expect(Object.keys(records[0]!)).toEqual(['t', 'env', 'state', 'action', 'reward', 'terminated', 'truncated', 'next_state', 'next_obs']);
    const episode = new Array<number>(envs).fill(0);
    let terminations = 0;
    records.forEach((r, i) => {
      const context = `seed ${seed}, line ${i + 1}: ${JSON.stringify(r)}`;
      expect([r.t, r.env], context).toEqual([Math.floor(i / envs), i % envs]);
      // The policy: floor(2u), u from Philox (seed, POLICY_STREAM) at counter (0, env, t, 0).
      expect(r.action, context).toBe(Math.floor(2 * uniformFromBits(philox4x32([0, r.env, r.t, 0], [seed, POLICY_STREAM])[0])));
      const ref = cartPoleStep(r.state, r.action as number);
      r.next_state.forEach((v, k) => expect(close(v, ref.state[k]!), `${context}: next_state[${k}] vs ${ref.state[k]}`).toBe(true));
      expect(r.next_obs, context).toEqual(r.next_state);
      expect(r.reward, context).toBe(1);
      if (ref.margin > 1e-5) expect(r.terminated, context).toBe(ref.terminated);
      expect(r.truncated, context).toBe(false);
      if (r.t === 0) {
        const start = cartPoleReset(resetUniforms(seed, r.env, 0, 4));
        r.state.forEach((v, k) => expect(Math.abs(v - start[k]!), `${context}: initial reset`).toBeLessThan(1e-8));
      }
      const following = records[i + envs];
      if (!following) return;
      if (r.terminated || r.truncated) {
        terminations += 1;
        episode[r.env] = episode[r.env]! + 1;
        const fresh = cartPoleReset(resetUniforms(seed, r.env, episode[r.env]!, 4));
        following.state.forEach((v, k) => expect(Math.abs(v - fresh[k]!), `${context}: next line starts from the reset`).toBeLessThan(1e-8));
      } else {
        expect(following.state, `${context}: next line starts from next_state`).toEqual(r.next_state);
      }
    });
    expect(terminations, `seed ${seed}: random CartPole episodes end within 60 steps`).toBeGreaterThan(0);
  });

  it('draws box actions uniformly in the bounds', () => {
    const space = { kind: 'box' as const, size: 2, low: [-2, 0], high: [2, 0.5] };
    const draws = Array.from({ length: 2000 }, (_, t) => randomPolicyAction(space, 5, t, 1) as number[]);
    for (const [d, [low, high]] of [[-2, 2], [0, 0.5]].entries()) {
      const values = draws.map((a) => a[d]!);
      expect(values.every((v) => v > low! && v < high!)).toBe(true);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      // Uniform mean (low + high)/2, standard error (high − low)/√(12·2000); 4 SE.
      expect(Math.abs(mean - (low! + high!) / 2)).toBeLessThan((4 * (high! - low!)) / Math.sqrt(12 * 2000));
    }
  });

  it('traces a hybrid env (Aim-v0): each action its D floats, then its K branch indices, from the documented draws', async () => {
    const seed = freshSeed();
    registerCustomEnv(AIM);
    let text = '';
    try {
      await traceRollout(gpu().device, { env: 'Aim-v0', envs: 3, steps: 4, seed, policy: 'random' }, (lines) => {
        text += lines;
      });
    } finally {
      unregisterEnv('Aim-v0');
    }
    const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as RolloutRecord);
    expect(records.length).toBe(12);
    for (const r of records) {
      const context = `seed ${seed}: ${JSON.stringify(r)}`;
      const u = philox4x32([0, r.env, r.t, 0], [seed, POLICY_STREAM]).map(uniformFromBits);
      // The aim uniform in [-1, 1] (as float32), then the weapon floor(3u) and the charge floor(2u).
      expect(r.action, context).toEqual([Math.fround(-1 + 2 * u[0]!), Math.floor(3 * u[1]!), Math.floor(2 * u[2]!)]);
      const [aim, weapon, charge] = r.action as number[];
      const [position, colour] = r.state;
      const reward = (1 + charge!) * ((weapon === colour ? 1 : 0) - Math.abs(aim! - position!));
      expect(Math.abs(r.reward - reward), context).toBeLessThanOrEqual(1e-6);
    }
  });

  it('refuses bad options, naming the flag and the value', () => {
    const good = { env: 'cartpole', envs: 2, steps: 3, seed: 1, policy: 'random' };
    expect(() => checkRolloutOptions(good)).not.toThrow();
    expect(() => checkRolloutOptions({ ...good, env: 'nope' })).toThrow(/unknown env 'nope' \(valid: CartPole-v1/);
    expect(() => checkRolloutOptions({ ...good, envs: 0 })).toThrow('--envs must be a positive integer (got 0)');
    expect(() => checkRolloutOptions({ ...good, steps: Number.NaN })).toThrow('--steps must be a positive integer (got NaN)');
    expect(() => checkRolloutOptions({ ...good, seed: 2 ** 32 })).toThrow(/--seed must be an integer in \[0, 4294967295\]/);
    expect(() => checkRolloutOptions({ ...good, policy: 'greedy' })).toThrow("--policy must be 'random' (got 'greedy')");
  });

  it('runs as a command and writes the file', async () => {
    const { rolloutCommand } = await import('../../src/cli/rollout');
    const dir = await mkdtemp(join(tmpdir(), 'webgpu-rl-rollout-'));
    try {
      const out = join(dir, 'trace.jsonl');
      await rolloutCommand().parseAsync(['--env', 'CartPole-v1', '--envs', '2', '--steps', '5', '--seed', '7', '--out', out, '--software'], { from: 'user' });
      const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
      expect(lines.length).toBe(10);
      expect(JSON.parse(lines[9]!)).toMatchObject({ t: 4, env: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
