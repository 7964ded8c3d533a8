/**
 * Multi-discrete action spaces end to end, on Cursor-v0 (test/support/cursor-env.ts: move × fire,
 * nvec [3, 2], the move branch masked at the line's ends): the env contract's errors; the wrapper
 * steps each branch's action as the CPU's reading of the game does and refuses a branch action ≥
 * its size; the rollout samples u32 [T][N][K] actions, legal under the recorded masks, with log p
 * equal to the update's evaluation of them; `train` and `eval` of the CLI on it; act() returns
 * [batch][K] (greedy = each branch's argmax of policyOutputs); a checkpoint refuses another nvec;
 * the ONNX export has one logits_b per branch matching policyOutputs; PPO-KL trains on it (the
 * entropy statistic the sum over branches); the trainers without branch support refuse it (reinforce,
 * a2c, offpolicy and cem: test/gpu/multi-discrete-policy-gradient.test.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/algos/index';
import { evaluateCheckpointFile } from '../../src/cli/eval';
import { runTraining } from '../../src/cli/train';
import { createVectorEnv, customEnv, registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { Agent, formatAdapter } from '../../src/index';
import { BufferSet, readBufferOnce } from '../../src/gpu/index';
import { createBufferWithData } from '../../src/gpu/buffers';
import { createMlpPasses } from '../../src/nn/mlp';
import { initialParameters } from '../../src/nn/init';
import { actorSpec, criticSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { createRollout } from '../../src/rollout/index';
import { createPolicyHead } from '../../src/train/policy-head';
import { checkCheckpointMatches, decodeCheckpoint } from '../../src/train/checkpoint';
import { multiCategoricalArgmax } from '../reference/multi-categorical';
import { CURSOR, CURSOR_NVEC, CURSOR_WGSL, cursorMask } from '../support/cursor-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, row, step } from '../support/vector-env';

const STATE = 3;
const K = 2;

describe('multi-discrete action spaces', () => {
  const gpu = useGpu();

  it('the env contract checks nvec, the EnvAction alias, ACTION_SIZE and MASK_SIZE', () => {
    const bad = (over: object) => () => customEnv({ ...CURSOR, ...over });
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [] } })).toThrow(/actionSpace.nvec must be an array of 1 to 8 branch sizes \(got \[\]\)/);
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [3, 0] } })).toThrow(/actionSpace.nvec\[1\] must be a positive integer \(got 0\)/);
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [1000, 100] } })).toThrow(/must sum to at most 1024 actions .*got 1100/);
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [3, 2, 2] } })).toThrow(/declares ACTION_SIZE = 3, one per branch of nvec \[3, 2, 2\] \(got 2\)/);
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [3, 3] } })).toThrow(/MASK_SIZE must equal the Σ nvec = 6 actions of all branches \(got 5\)/);
    expect(bad({ wgsl: CURSOR_WGSL.replace('alias EnvAction = array<u32, ACTION_SIZE>;', 'alias EnvAction = u32;') })).toThrow(
      /a multi-discrete env declares 'alias EnvAction = array<u32, ACTION_SIZE>;' \(got 'u32'\)/,
    );
  });

  it('trpo trains it: per-branch Fisher product and line search keep the first step within the KL radius', async () => {
    const seed = freshSeed();
    const maxKl = 0.01;
    const config = { algo: 'trpo', env: customEnv(CURSOR), seed, numEnvs: 8, numSteps: 16, hiddenSizes: [8], maxKl, totalTimesteps: 8 * 16 * 3 } as const;
    const trainer = await createTrainer(gpu().device, config);
    try {
      // A report comes one call late (the ppo-kl case below reads its second): calls 2 and 3 give iterations 1 and 2.
      await gpuStep(gpu(), 'iterate', () => trainer.iterate());
      const first = (await gpuStep(gpu(), 'iterate', () => trainer.iterate()))!;
      const second = (await gpuStep(gpu(), 'iterate', () => trainer.iterate()))!;
      const { approx_kl: kl, entropy } = first.statistics;
      expect(kl, `seed ${seed}: approx_kl ${kl}`).toBeLessThanOrEqual(maxKl * 1.5);
      // Two branches (the move branch masked to two moves): above one branch's log 3, at most log 6.
      expect(entropy, `seed ${seed}`).toBeGreaterThan(Math.log(3) + 0.1);
      expect(entropy, `seed ${seed}`).toBeLessThanOrEqual(Math.log(6) + 1e-4);
      for (const [i, stats] of [first, second].entries()) {
        // The statistics TRPO records (the others, e.g. ppo-kl's beta, are NaN by design here).
        const recorded = ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'grad_norm'] as const;
        const bad = recorded.filter((k) => !Number.isFinite(stats.statistics[k]));
        expect(bad, `seed ${seed}, iteration ${i}`).toEqual([]);
      }
    } finally {
      trainer.destroy();
    }
  });

  it('ppo-kl trains it: the entropy statistic is the sum over branches, the KL penalty finite', async () => {
    const seed = freshSeed();
    const trainer = await createTrainer(gpu().device, { algo: 'ppo-kl', env: customEnv(CURSOR), seed, numEnvs: 8, numSteps: 32, hiddenSizes: [8], totalTimesteps: 8 * 32 * 2 });
    try {
      await gpuStep(gpu(), 'iterate', () => trainer.iterate());
      const stats = (await gpuStep(gpu(), 'iterate', () => trainer.iterate()))!;
      const { entropy, approx_kl: kl, beta } = stats.statistics;
      // A near-uniform initial policy: between log 2 + log 2 (the move branch masked to two moves)
      // and log 3 + log 2 per row, above the log 3 that one branch alone could give.
      expect(entropy, `seed ${seed}`).toBeGreaterThan(Math.log(3) + 0.1);
      expect(entropy, `seed ${seed}`).toBeLessThanOrEqual(Math.log(6) + 1e-4);
      expect(Number.isFinite(kl) && kl >= 0, `seed ${seed}: approx_kl ${kl}`).toBe(true);
      expect(Number.isFinite(beta) && beta > 0, `seed ${seed}: beta ${beta}`).toBe(true);
      await trainer.drain();
    } finally {
      trainer.destroy();
    }
  });

  it('the wrapper steps each branch as the game reads it, writes the masks, and refuses a branch action ≥ its size', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const N = 37;
    const env = await createVectorEnv(gpu().device, customEnv(CURSOR), { numEnvs: N, seed });
    try {
      await reset(gpu(), env);
      for (let s = 0; s < 30; s += 1) {
        const before = await env.read();
        const actions = Uint32Array.from({ length: N * K }, (_, i) => Math.floor(random() * CURSOR_NVEC[i % K]!));
        env.writeActions(actions);
        await step(gpu(), env);
        const after = await env.read();
        for (let n = 0; n < N; n += 1) {
          const [cursor, goal] = row(before.states, n, STATE) as [number, number];
          const [move, fire] = [actions[n * K]!, actions[n * K + 1]!];
          const reward = fire === 1 ? (cursor === goal ? 1 : -0.25) : 0;
          expect(after.rewards[n], `seed ${seed}, step ${s}, env ${n}`).toBeCloseTo(reward, 6);
          expect(after.nextStates[n * STATE], `seed ${seed}: cursor`).toBe(Math.min(Math.max(cursor + move - 1, 0), 6));
          expect(row(Float32Array.from(after.masks!), n, 5)).toEqual(cursorMask(row(after.states, n, STATE)));
        }
      }
      expect(() => env.writeActions(new Uint32Array(N))).toThrow(/a multi-discrete env takes a Uint32Array of numEnvs × branches = 37 × 2 actions/);
      expect(() => env.writeActions(new Uint32Array(N * K).fill(2))).toThrow(/env 0, branch 1 has action 2 \(valid: 0 … 1\)/);
      // Past the host check: the step kernel itself refuses branch 1's action 5.
      const raw = new Uint32Array(N * K);
      raw[7 * K + 1] = 5;
      gpu().device.queue.writeBuffer(env.buffers.actions, 0, raw);
      await step(gpu(), env);
      await expect(env.checkActions()).rejects.toThrow(/multi-discrete env of branches \[3, 2\]: 1 env-steps had a branch action ≥ its branch's size \(first env 7, largest refused action 5\)/);
    } finally {
      env.destroy();
    }
  });

  it('the rollout samples actions [T][N][K] legal under the recorded masks, with log p equal to the update\'s evaluation', async () => {
    const seed = freshSeed();
    const { device } = gpu();
    const T = 16;
    const N = 23;
    const env = await createVectorEnv(device, customEnv(CURSOR), { numEnvs: N, seed });
    const actor = mlpLayout(actorSpec(2, 5, [8]));
    const critic = mlpLayout(criticSpec(2, [8]));
    const rollout = await createRollout(device, { env, steps: T, actor, critic, seed });
    // Larger-than-initial weights, so that the policy is far from uniform.
    const actorBuffer = createBufferWithData(device, 'test.actor', initialParameters(actor, seed).map((v) => 30 * v));
    const criticBuffer = createBufferWithData(device, 'test.critic', initialParameters(critic, seed));
    const head = await createPolicyHead(device, { kind: 'categorical', actor, agents: 1, rowsPerAgent: T * N, masked: true, branches: [3, 2], label: 'test.head' });
    const passes = await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: T * N, label: 'test.actor' });
    const scratch = new BufferSet(device, 'test.head', { logProbs: { size: 4 * T * N }, entropies: { size: 4 * T * N }, zero: { size: 4 * T * N * 5 } });
    try {
      expect(rollout.actionSize).toBe(K);
      await gpuStep(gpu(), 'rollout', () => {
        rollout.prepare(0);
        const encoder = device.createCommandEncoder();
        rollout.encodeReset(encoder);
        rollout.encode(encoder, { actor: actorBuffer, critic: criticBuffer });
        device.queue.submit([encoder.finish()]);
      });
      const tr = rollout.transitions.buffers;
      const s = scratch.buffers;
      await gpuStep(gpu(), 'evaluate', () => {
        const encoder = device.createCommandEncoder();
        passes.encodeForward(encoder, { params: actorBuffer, inputs: tr.observations });
        const bound = head.bind({
          outputs: passes.outputs.policy!,
          parameters: actorBuffer,
          actions: tr.actions,
          logProbs: s.logProbs,
          entropies: s.entropies,
          logProbGrads: s.zero,
          entropyGrads: s.zero,
          outputGrads: s.zero,
          parameterGrads: s.zero,
          logStdTerms: s.zero,
          unused: s.zero,
          mask: tr.masks!,
        });
        const pass = encoder.beginComputePass();
        bound.evaluate(pass);
        pass.end();
        device.queue.submit([encoder.finish()]);
      });
      const actions = new Uint32Array(await readBufferOnce(device, tr.actions));
      const masks = new Uint32Array(await readBufferOnce(device, tr.masks!));
      const sampled = new Float32Array(await readBufferOnce(device, tr.logProbs));
      const evaluated = new Float32Array(await readBufferOnce(device, s.logProbs));
      expect(actions.length).toBe(T * N * K);
      const moves = [0, 0, 0];
      for (let r = 0; r < T * N; r += 1) {
        moves[actions[r * K]!]! += 1;
        expect(masks[r * 5 + actions[r * K]!], `seed ${seed}, row ${r}: a masked move`).toBe(1);
        expect(actions[r * K + 1], `seed ${seed}, row ${r}: fire`).toBeLessThan(2);
        expect(Math.abs(sampled[r]! - evaluated[r]!), `seed ${seed}, row ${r}: log p`).toBeLessThan(1e-5);
      }
      // Both branches were drawn (each move at least once), not one draw shared by both.
      expect(Math.min(...moves), `seed ${seed}: moves ${moves}`).toBeGreaterThan(0);
    } finally {
      scratch.destroy();
      passes.destroy();
      rollout.destroy();
      actorBuffer.destroy();
      criticBuffer.destroy();
      env.destroy();
    }
  });

  it('train and eval (the CLI), act() per branch, checkpoints keep nvec, ONNX has one output per branch', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const descriptor = registerCustomEnv(CURSOR);
    const out = await mkdtemp(join(tmpdir(), 'wgrl-multi-discrete-'));
    try {
      const device = gpu().device;
      await gpuStep(gpu(), 'train', () =>
        runTraining(device, formatAdapter(gpu().adapter), { algo: 'ppo', env: CURSOR.id, numEnvs: 8, numSteps: 32, hiddenSizes: [16], totalTimesteps: 8 * 32 * 3, seed }, out),
      );
      const file = join(out, 'checkpoint.wgrl');
      const lines = await evaluateCheckpointFile(device, { checkpoint: file, episodes: 5, seed: 99 });
      expect(lines.at(-1)).toMatch(/^-?\d+\.\d\d ± \d+\.\d\d return over 5 episodes$/);

      const bytes = new Uint8Array(await readFile(file));
      const checkpoint = await decodeCheckpoint(bytes);
      expect(checkpoint.env.actionSpace).toEqual({ kind: 'multiDiscrete', nvec: [3, 2] });
      expect(() => checkCheckpointMatches(checkpoint, { actionSpace: { kind: 'multiDiscrete', nvec: [2, 3] } })).toThrow(/has action space .*\[3,2\].*; this env has .*\[2,3\]/);

      const agent = await Agent.load(bytes, { device });
      try {
        const rows = 301;
        const states = Array.from({ length: rows }, () => [Math.floor(random() * 7), Math.floor(random() * 7), 0]);
        const observations = Float32Array.from(states.flatMap(([c, g]) => [c! / 6, (g! - c!) / 6]));
        const actionMask = Uint32Array.from(states.flatMap((s) => cursorMask(s)));
        const greedy = await agent.act(observations, { actionMask, deterministic: true, policyOutputs: true });
        expect(greedy.actions).toBeInstanceOf(Uint32Array);
        expect(greedy.actions.length).toBe(rows * K);
        const logits = greedy.policyOutputs!;
        states.forEach((s, r) => {
          const expected = multiCategoricalArgmax(Array.from(logits.subarray(r * 5, r * 5 + 5)), [3, 2], cursorMask(s));
          expect(Array.from(greedy.actions.subarray(r * K, r * K + K)), `seed ${seed}, row ${r}`).toEqual(expected);
        });
        for (let k = 0; k < 3; k += 1) {
          const { actions } = await agent.act(observations, { actionMask });
          states.forEach((s, r) => {
            const mask = cursorMask(s);
            expect(mask[actions[r * K]!], `seed ${seed}: row ${r} took a masked move`).toBe(1);
            expect(actions[r * K + 1]).toBeLessThan(2);
          });
        }
        const blocked = actionMask.slice();
        blocked.fill(0, 5 * 3, 5 * 3 + 3);
        await expect(agent.act(observations, { actionMask: blocked })).rejects.toThrow(/row 3 masks every action of one of its branches \[3, 2\]/);

        const session = await ort.InferenceSession.create(await agent.exportOnnx());
        try {
          const result = await session.run({ observations: new ort.Tensor('float32', observations, [rows, 2]) });
          expect(Object.keys(result).sort()).toEqual(['logits_0', 'logits_1']);
          const onnxLogits = states.flatMap((_, r) => [
            ...Array.from((result.logits_0!.data as Float32Array).subarray(r * 3, r * 3 + 3)),
            ...Array.from((result.logits_1!.data as Float32Array).subarray(r * 2, r * 2 + 2)),
          ]);
          onnxLogits.forEach((v, i) => expect(Math.abs(v - logits[i]!), `seed ${seed}: logit ${i}`).toBeLessThan(1e-4));
        } finally {
          await session.release();
        }
      } finally {
        agent.destroy();
      }
      expect(descriptor.id).toBe(CURSOR.id);
    } finally {
      unregisterEnv(CURSOR.id);
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
