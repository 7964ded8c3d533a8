/**
 * Hybrid action spaces in the env layer, on Aim-v0 (test/support/aim-env.ts: an aim in [-1, 1] and
 * branches nvec [3, 2], weapon × charge; the weapon after the target's colour masked; a hits
 * metric): the env contract's errors in the env's words; the WGSL wrapper steps rows of D + K words
 * as the float64 reading of the game does (aims outside the box clipped first), and the JavaScript
 * twin (test/support/aim-host.ts) replays it from the same seed, batched (batch.actions and
 * batch.discreteActions over one memory) and per instance (a HybridAction of two views) alike;
 * writeActions, the step kernel and the host checks refuse a NaN aim and a branch index ≥ its size,
 * naming the env, the instance, the dimension or branch and the value.
 */
import { describe, expect, it } from 'vitest';
import { createHostVectorEnv } from '../../src/envs/host-env';
import { createVectorEnv, customEnv, type HostEnv, type HybridAction } from '../../src/envs/index';
import type { BatchedHostEnv } from '../../src/envs/batched-host-env';
import type { HybridActions, HybridSpace } from '../../src/envs/types';
import { AIM, AIM_MASK_WIDTH, AIM_WGSL, aimMask } from '../support/aim-env';
import { aimHost, aimHostPerInstance, randomAimActions } from '../support/aim-host';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, row, step } from '../support/vector-env';

const OBS = 4;
const STATE = 3;
const K = 2;
/** Words of an action row: the aim, then weapon and charge. */
const W = 1 + K;
const BOX = { kind: 'box', size: 1, low: [-1], high: [1] } as const;
/** Fields that the JavaScript twin must reproduce bit for bit. */
const EXACT = ['rewards', 'terminated', 'truncated', 'masks', 'episodeMetrics', 'episodeLengths', 'stepCounts', 'episodeIndices', 'observations', 'finalObservations'] as const;

/** Aim-v0 with `over` applied to its options (a WGSL edit: `wgsl` replaced). */
const aimWith = (over: object) => () => customEnv({ ...AIM, ...over });
const hybrid = (continuous: object, nvec: readonly number[] = [3, 2]) => ({ actionSpace: { kind: 'hybrid', continuous, nvec } });

/** The colour of a one-hot observation row [x, c == 0, c == 1, c == 2]. */
const colourOf = (observations: Float32Array, n: number) => [0, 1, 2].find((c) => observations[OBS * n + 1 + c] === 1)!;

describe('hybrid action spaces: the env layer (Aim-v0)', () => {
  const gpu = useGpu();

  it('the env contract checks the box, nvec, ACTION_SIZE, ACTION_BRANCHES, struct EnvAction, the D + K words and MASK_SIZE', () => {
    expect(customEnv(AIM).actionSpace.kind).toBe('hybrid');
    const struct = /struct EnvAction \{[^}]*\}/;
    expect(aimWith({ wgsl: AIM_WGSL.replace('ACTION_BRANCHES: u32 = 2u', 'ACTION_BRANCHES: u32 = 3u') })).toThrow(
      "env 'Aim-v0': a hybrid env declares 'const ACTION_BRANCHES: u32 = 2u;', one per branch of nvec [3, 2] (got 3)",
    );
    expect(aimWith({ wgsl: AIM_WGSL.replace('const ACTION_BRANCHES: u32 = 2u;', '') })).toThrow(/ACTION_BRANCHES: u32 = 2u;', one per branch of nvec \[3, 2\] \(none declared\)/);
    expect(aimWith(hybrid({ kind: 'box', size: 2, low: [-1, -1], high: [1, 1] }))).toThrow(
      "env 'Aim-v0': a hybrid env declares ACTION_SIZE = 2, its actionSpace.continuous.size (got 1)",
    );
    expect(aimWith({ wgsl: AIM_WGSL.replace(struct, 'struct EnvAction { continuous: array<f32, ACTION_SIZE> }') })).toThrow(
      "with exactly those fields in that order (got 'struct EnvAction { continuous: array<f32, ACTION_SIZE> }')",
    );
    expect(aimWith({ wgsl: AIM_WGSL.replace(struct, 'struct EnvAction { discrete: array<u32, ACTION_BRANCHES>, continuous: array<f32, ACTION_SIZE> }') })).toThrow(
      /a hybrid env declares 'struct EnvAction \{ continuous: array<f32, ACTION_SIZE>, discrete: array<u32, ACTION_BRANCHES> \}' in place of the alias/,
    );
    expect(aimWith({ wgsl: AIM_WGSL.replace(struct, 'alias EnvAction = array<f32, ACTION_SIZE>;') })).toThrow(
      "(got 'alias EnvAction = array<f32,ACTION_SIZE>;')",
    );
    expect(aimWith({ wgsl: AIM_WGSL.replace(struct, '') })).toThrow(/its WGSL lacks alias EnvAction \(.*a hybrid env struct EnvAction in place of the alias/);
    // 60 dims and 5 branches are 65 words: more than the wrapper's rows hold, whatever the WGSL says.
    const wide = { kind: 'box', size: 60, low: new Array(60).fill(-1), high: new Array(60).fill(1) };
    expect(aimWith(hybrid(wide, [2, 2, 2, 2, 2]))).toThrow(
      "env 'Aim-v0': a hybrid action of 60 continuous dims and 5 branches is D + K = 65 words, more than MAX_ACTION_SIZE = 64 (use fewer dims or branches)",
    );
    expect(aimWith(hybrid({ ...BOX, high: [Infinity] }))).toThrow("actionSpace.continuous bounds of dimension 0 must be finite with low ≤ high (got [-1, Infinity])");
    expect(aimWith(hybrid({ ...BOX, low: [2] }))).toThrow('actionSpace.continuous bounds of dimension 0 must be finite with low ≤ high (got [2, 1])');
    expect(aimWith(hybrid({ ...BOX, low: [] }))).toThrow('actionSpace.continuous.low and .high must have 1 entries (got 0 and 1)');
    expect(aimWith(hybrid({ ...BOX, size: 0 }))).toThrow('actionSpace.continuous.size must be an integer in [1, 64] (MAX_ACTION_SIZE) (got 0)');
    expect(aimWith({ actionSpace: { kind: 'hybrid', nvec: [3, 2] } })).toThrow(/actionSpace.continuous must be a box \{ kind: 'box', size, low, high \} \(got undefined\)/);
    expect(aimWith(hybrid(BOX, [3, 0]))).toThrow('actionSpace.nvec[1] must be a positive integer (got 0)');
    expect(aimWith({ wgsl: AIM_WGSL.replace('MASK_SIZE: u32 = 5u', 'MASK_SIZE: u32 = 6u') })).toThrow('MASK_SIZE must equal the Σ nvec = 5 actions of all branches (got 6)');
    // The struct belongs to hybrid envs: a box env declaring it is told which alias it needs.
    expect(aimWith({ actionSpace: BOX, actionMasks: false })).toThrow(
      "a continuous env declares 'alias EnvAction = array<f32, ACTION_SIZE>;' (got 'struct EnvAction { continuous: array<f32, ACTION_SIZE>, discrete: array<u32, ACTION_BRANCHES> }')",
    );
  });

  it('the WGSL Aim-v0 steps as the float64 reading of the game (aims clipped), and its JavaScript twin replays it, batched and per instance (24 envs × 60 steps)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 24;
    const wgsl = await createVectorEnv(device, customEnv(AIM), { numEnvs, seed });
    const batched = await createHostVectorEnv(device, aimHost(), { numEnvs, seed });
    const perInstance = await createHostVectorEnv(device, aimHostPerInstance(), { numEnvs, seed });
    const hits = new Float64Array(numEnvs);
    const seen = { clipped: 0, hits: 0, charged: 0, ends: 0 };
    try {
      await gpuStep(gpu(), 'aim replay', async () => {
        await reset(gpu(), wgsl);
        batched.reset();
        perInstance.reset();
        let before = await wgsl.read();
        for (let t = 0; t < 60; t += 1) {
          const actions = randomAimActions(before.masks!, random);
          for (const env of [wgsl, batched, perInstance]) env.writeActions(actions);
          await step(gpu(), wgsl);
          await batched.step();
          await perInstance.step();
          const g = await wgsl.read();
          const context = `seed ${seed}, step ${t}`;
          for (let n = 0; n < numEnvs; n += 1) {
            const x = before.observations[OBS * n]!;
            const colour = colourOf(before.observations, n);
            const [aim, weapon, charge] = [actions.continuous[n]!, actions.discrete[K * n]!, actions.discrete[K * n + 1]!];
            const clipped = Math.min(Math.max(aim, -1), 1);
            const hit = weapon === colour ? 1 : 0;
            const reward = (1 + charge) * (hit - Math.abs(clipped - x));
            // float32 arithmetic: |a − x| and the difference each round by at most 2⁻²⁴·2.
            expect(Math.abs(g.rewards[n]! - reward), `${context}, env ${n}: reward ${g.rewards[n]} of aim ${aim}, weapon ${weapon}, charge ${charge} at target (${x}, ${colour}); float64 ${reward}`).toBeLessThanOrEqual(1e-6);
            hits[n]! += hit;
            const ended = (t + 1) % AIM.maxEpisodeSteps === 0;
            expect([g.terminated[n], g.truncated[n]], `${context}, env ${n}`).toEqual([0, ended ? 1 : 0]);
            expect(g.episodeMetrics![n], `${context}, env ${n}: hits`).toBe(ended ? hits[n] : 0);
            if (ended) hits[n] = 0;
            expect(row(Float32Array.from(g.masks!), n, AIM_MASK_WIDTH), `${context}, env ${n}: mask`).toEqual(aimMask(colourOf(g.observations, n)));
            expect(Math.abs(g.observations[OBS * n]!), `${context}, env ${n}: target`).toBeLessThanOrEqual(1);
            seen.clipped += clipped === aim ? 0 : 1;
            seen.hits += hit;
            seen.charged += charge;
          }
          seen.ends += g.truncated.reduce((sum, f) => sum + f, 0);
          const h = batched.latest;
          for (const field of EXACT) expect([...h[field]!], `${context}: ${field} (JavaScript vs WGSL)`).toEqual([...g[field]!]);
          // The GPU sums an episode's rewards in float32, the host in float64.
          h.episodeReturns.forEach((v, i) => expect(Math.abs(v - g.episodeReturns[i]!), `${context}: episodeReturns[${i}] JavaScript ${v} vs WGSL ${g.episodeReturns[i]}`).toBeLessThanOrEqual(1e-4));
          for (const field of [...EXACT, 'episodeReturns'] as const) {
            expect([...perInstance.latest[field]!], `${context}: ${field} (per-instance vs batched)`).toEqual([...h[field]!]);
          }
          before = g;
        }
      });
      // Aims outside the box were clipped, weapons hit and missed, charges taken, episodes truncated.
      for (const [what, count] of Object.entries(seen)) expect(count, `seed ${seed}: ${what}`).toBeGreaterThan(0);
    } finally {
      wgsl.destroy();
      batched.destroy();
      perInstance.destroy();
    }
  });

  it('writeActions and the step kernel refuse a NaN aim and a branch index ≥ its size, naming the env, dimension or branch and value', async () => {
    const { device } = gpu();
    const N = 5;
    const env = await createVectorEnv(device, customEnv(AIM), { numEnvs: N, seed: 3 });
    const legal = (): HybridActions => ({ continuous: new Float32Array(N), discrete: new Uint32Array(N * K) });
    try {
      await reset(gpu(), env);
      expect(env.actionSize).toBe(W);
      expect(env.buffers.actions.size).toBe(4 * N * W);
      expect(() => env.writeActions(new Float32Array(N * W))).toThrow(
        "writeActions on 'Aim-v0': a hybrid env takes { continuous: Float32Array of numEnvs × D = 5 × 1 floats, discrete: Uint32Array of numEnvs × K = 5 × 2 branch actions } (got continuous undefined, discrete undefined)",
      );
      expect(() => env.writeActions({ continuous: new Float32Array(N), discrete: new Uint32Array(N) })).toThrow('(got continuous a Float32Array of 5, discrete a Uint32Array of 5)');
      const nan = legal();
      nan.continuous[3] = Number.NaN;
      expect(() => env.writeActions(nan)).toThrow("writeActions on 'Aim-v0': the continuous action of env 3, dimension 0, must be finite (got NaN)");
      const branch = legal();
      branch.discrete[2 * K + 1] = 2;
      expect(() => env.writeActions(branch)).toThrow("writeActions on 'Aim-v0': action out of range for a hybrid env: env 2, branch 1 has action 2 (valid: 0 … 1)");

      // Past the host checks: the step kernel refuses the row itself and leaves the env unstepped.
      const words = new Uint32Array(N * W);
      words[4 * W + 1] = 7;
      new Float32Array(words.buffer)[1 * W] = Number.POSITIVE_INFINITY;
      device.queue.writeBuffer(env.buffers.actions, 0, words);
      const before = await env.read();
      await step(gpu(), env);
      const after = await env.read();
      await expect(env.checkActions()).rejects.toThrow(
        "refused actions for hybrid env 'Aim-v0' of 1 continuous dims and branches [3, 2]: 2 env-steps had a branch action ≥ its branch's size or a non-finite continuous action (largest refused branch action 7) (first env 1); those envs were not stepped",
      );
      for (const n of [1, 4]) {
        expect(row(after.nextStates, n, STATE), `env ${n}`).toEqual(row(before.states, n, STATE));
        expect(after.rewards[n], `env ${n}`).toBe(0);
      }
      expect(after.stepCounts[0]).toBe(1);
      expect(after.stepCounts[1]).toBe(0);
      const nanOnly = new Uint32Array(N * W);
      nanOnly[2 * W] = 0x7fc00000;
      device.queue.writeBuffer(env.buffers.actions, 0, nanOnly);
      await step(gpu(), env);
      await expect(env.checkActions()).rejects.toThrow(/: 1 env-steps got NaN or ±Infinity in their continuous actions \(first env 2\); those envs were not stepped$/);
    } finally {
      env.destroy();
    }
  });

  it('JavaScript envs: batch.discreteActions aliases batch.actions, per-instance actions are one HybridAction per instance, aims are clipped, NaN aims and branches ≥ their size refused', async () => {
    const { device } = gpu();
    const game = aimHost('aim-bad');
    let aliased = false;
    const watched: BatchedHostEnv = {
      ...game,
      stepBatch(batch, from, to) {
        aliased = batch.discreteActions.buffer === batch.actions.buffer && batch.discreteActions.length === batch.actions.length;
        game.stepBatch(batch, from, to);
      },
    };
    const N = 4;
    const envs = await createHostVectorEnv(device, watched, { numEnvs: N, seed: 2 });
    const actions = (aim: number): HybridActions => ({ continuous: new Float32Array(N).fill(aim), discrete: new Uint32Array(N * K) });
    try {
      envs.reset();
      envs.writeActions(actions(0));
      await envs.step();
      expect(aliased).toBe(true);
      const nan = actions(0);
      nan.continuous[2] = Number.NaN;
      envs.writeActions(nan);
      await expect(envs.step()).rejects.toThrow("host env 'aim-bad': continuous action[0] of env 2 is NaN (actions must be finite)");
      envs.reset();
      const branch = actions(0);
      branch.discrete[K * 1] = 3;
      envs.writeActions(branch);
      await expect(envs.step()).rejects.toThrow("host env 'aim-bad': action of env 1, branch 0, is 3, outside the branch's 3 actions (valid: 0 … 2)");
      envs.reset();
      expect(() => envs.writeActions(new Float32Array(N * W))).toThrow("host env 'aim-bad': writeActions: a hybrid env takes { continuous: Float32Array of numEnvs × D = 4 × 1 floats");
    } finally {
      envs.destroy();
    }

    // Per instance: the same HybridAction object every step (no allocation), its aim clipped into the box.
    const perInstance = aimHostPerInstance('aim-views');
    const got: { action: HybridAction; aim: number; weapon: number }[] = [];
    const recording: HostEnv = {
      ...perInstance,
      step(env, action, random) {
        const hybridAction = action as HybridAction;
        if (env === 1) got.push({ action: hybridAction, aim: hybridAction.continuous[0]!, weapon: hybridAction.discrete[0]! });
        return perInstance.step(env, action, random);
      },
    };
    const envs2 = await createHostVectorEnv(device, recording, { numEnvs: 2, seed: 5 });
    try {
      envs2.reset();
      for (const [aim, weapon] of [[5, 2], [-7.5, 1], [0.25, 0]] as const) {
        envs2.writeActions({ continuous: Float32Array.of(0, aim), discrete: Uint32Array.of(0, 0, weapon, 1) });
        await envs2.step();
      }
      expect(got.map(({ aim, weapon }) => [aim, weapon])).toEqual([[1, 2], [-1, 1], [0.25, 0]]);
      expect(got.every(({ action }) => action === got[0]!.action)).toBe(true);
      expect([got[0]!.action.continuous.length, got[0]!.action.discrete.length]).toEqual([1, K]);
    } finally {
      envs2.destroy();
    }

    const space = (continuous: object, nvec: readonly number[] = [3, 2]) => ({ ...aimHost(), actionSpace: { kind: 'hybrid', continuous, nvec } as HybridSpace });
    await expect(createHostVectorEnv(device, space({ ...BOX, high: [Number.NaN] }), { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'aim-js': actionSpace.continuous bounds of dimension 0 must be finite with low ≤ high (got [-1, NaN])",
    );
    await expect(createHostVectorEnv(device, space(BOX, [3, 0]), { numEnvs: 1, seed: 1 })).rejects.toThrow("host env 'aim-js': actionSpace.nvec[1] must be a positive integer (got 0)");
    const wide = { kind: 'box', size: 63, low: new Array(63).fill(-1), high: new Array(63).fill(1) };
    await expect(createHostVectorEnv(device, space(wide), { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'aim-js': a hybrid action of 63 continuous dims and 2 branches is D + K = 65 words, more than MAX_ACTION_SIZE = 64",
    );
  });
});
