/**
 * The fused rollout (src/rollout/fused-steps.ts: all T steps in one dispatch) against the layer-wise
 * steps on the same envs, seeds and parameters: every transition field equal over two consecutive
 * rollouts (the env's state, step counts and the iteration's draws carry over), bit for bit but for
 * the log-probabilities and the critic's values (within 1e-6 relative). Odd sizes: N = 7, T = 29, a
 * short step limit so episodes are cut; networks whose widths are and are not multiples of 4 (the
 * kernel's vec4 and scalar sums), observations of 4, 6 and 2 floats, a population of 3 agents.
 * The float64 check of the fused record (the policy's draws, the env replayed from the host, the
 * critic) is test/gpu/ppo-rollout.test.ts's, run on both paths. Then which path 'auto' takes on
 * this software adapter (fused up to SOFTWARE_FUSED_MAX_ENVS envs), and the rollouts that cannot
 * fuse, refused by name when 'fused' is asked for and run layer-wise by 'auto'.
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, type VectorEnv } from '../../src/envs/index';
import { createBufferWithData } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/readback';
import { actorSpec, criticSpec, gaussianActorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { adapterOf } from '../../src/gpu/device';
import { createRollout, type RolloutConfig } from '../../src/rollout/index';
import { SOFTWARE_FUSED_MAX_ENVS } from '../../src/rollout/fused-steps-choice';
import type { TransitionField } from '../../src/rollout/transitions';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { randomParameters } from '../support/random-parameters';

const N = 7;
const T = 29;

const EXACT: readonly TransitionField[] = ['observations', 'finalObservations', 'actions', 'rewards', 'terminated', 'truncated', 'episodeReturns', 'episodeLengths'];
const CLOSE: readonly TransitionField[] = ['logProbs', 'values', 'finalValues', 'lastValues'];
const U32_FIELDS: readonly TransitionField[] = ['actions', 'terminated', 'truncated', 'episodeLengths'];

describe('fused rollout', () => {
  const gpu = useGpu();

  it.each([
    { env: 'CartPole-v1', hidden: [16, 16], agents: 1, maxEpisodeSteps: 12 },
    { env: 'CartPole-v1', hidden: [13, 7], agents: 1, maxEpisodeSteps: 9 },
    { env: 'Acrobot-v1', hidden: [8], agents: 1, maxEpisodeSteps: 9 },
    { env: 'MountainCar-v0', hidden: [5], agents: 1, maxEpisodeSteps: 11 },
    { env: 'CartPole-v1', hidden: [8, 64], agents: 3, maxEpisodeSteps: 10 },
  ])('records what the layer-wise steps record ($env, hidden $hidden, G = $agents)', async ({ env: id, hidden, agents, maxEpisodeSteps }) => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = N * agents;
    const seeds = Array.from({ length: agents }, (_, g) => (seed + 101 * g) >>> 0);
    const probe = await createVectorEnv(device, id, { numEnvs: 1, seed });
    const [OBS, actions] = [probe.observationSize, probe.descriptor.actionSpace.kind === 'discrete' ? probe.descriptor.actionSpace.n : 0];
    probe.destroy();
    const actor = mlpLayout(actorSpec(OBS, actions, hidden));
    const critic = mlpLayout(criticSpec(OBS, hidden));
    const actorBuffer = createBufferWithData(device, 'test.actor', randomParameters(actor, agents, random));
    const criticBuffer = createBufferWithData(device, 'test.critic', randomParameters(critic, agents, random));

    const record = async (kernels: RolloutConfig['kernels']) => {
      const env: VectorEnv = await createVectorEnv(device, id, { numEnvs, seed, maxEpisodeSteps, ...(agents > 1 ? { seeds } : {}) });
      const rollout = await createRollout(device, { env, steps: T, actor, critic, seed, agents, ...(agents > 1 ? { seeds } : {}), kernels });
      try {
        const iterations: Record<string, Float32Array | Uint32Array>[] = [];
        for (const iteration of [5, 6]) {
          iterations.push(
            await gpuStep(gpu(), `${kernels} rollout ${iteration}`, async () => {
              rollout.prepare(iteration);
              const encoder = device.createCommandEncoder();
              if (iteration === 5) rollout.encodeReset(encoder);
              rollout.encode(encoder, { actor: actorBuffer, critic: criticBuffer });
              device.queue.submit([encoder.finish()]);
              const fields: Record<string, Float32Array | Uint32Array> = {};
              for (const field of [...EXACT, ...CLOSE]) {
                const bytes = await readBufferOnce(device, rollout.transitions.buffers[field]);
                fields[field] = U32_FIELDS.includes(field) ? new Uint32Array(bytes) : new Float32Array(bytes);
              }
              // What the next rollout, or an evaluation, reads of the env.
              fields.envObservations = new Float32Array(await readBufferOnce(device, env.buffers.observations));
              fields.envStates = new Float32Array(await readBufferOnce(device, env.buffers.states));
              fields.envProgress = new Uint32Array(await readBufferOnce(device, env.buffers.episodeProgress));
              return fields;
            }),
          );
        }
        return iterations;
      } finally {
        rollout.destroy();
        env.destroy();
      }
    };
    try {
      const fused = await record('fused');
      const layerwise = await record('layerwise');
      let ended = 0;
      for (const [i, iteration] of fused.entries()) {
        const other = layerwise[i]!;
        for (const field of [...EXACT, 'envObservations', 'envStates', 'envProgress']) {
          expect([...iteration[field]!], `${field}, rollout ${i}, seed ${seed}`).toEqual([...other[field]!]);
        }
        for (const field of CLOSE) {
          const a = iteration[field]!;
          const b = other[field]!;
          for (let j = 0; j < a.length; j += 1) {
            expect(Math.abs(a[j]! - b[j]!), `${field}[${j}], rollout ${i}, seed ${seed}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[j]!)));
          }
        }
        ended += (iteration.terminated as Uint32Array).reduce((s, x) => s + x, 0) + (iteration.truncated as Uint32Array).reduce((s, x) => s + x, 0);
      }
      // The auto-reset ran (episodes ended inside the rollouts).
      expect(ended, `episodes ended, seed ${seed}`).toBeGreaterThan(0);
    } finally {
      actorBuffer.destroy();
      criticBuffer.destroy();
    }
  });

  it("'auto' fuses on a software adapter up to SOFTWARE_FUSED_MAX_ENVS envs, and past them steps layer-wise", async () => {
    const { device } = gpu();
    expect(adapterOf(device)?.isSoftware, 'this suite runs on SwiftShader').toBe(true);
    const layouts = { actor: mlpLayout(actorSpec(4, 2, [8])), critic: mlpLayout(criticSpec(4, [8])) };
    for (const [numEnvs, fused] of [[SOFTWARE_FUSED_MAX_ENVS, true], [SOFTWARE_FUSED_MAX_ENVS + 1, false]] as const) {
      const env = await createVectorEnv(device, 'CartPole-v1', { numEnvs, seed: 1 });
      try {
        const auto = await createRollout(device, { env, steps: 2, ...layouts, seed: 1 });
        expect(auto.fused, `'auto' at ${numEnvs} envs`).toBe(fused);
        auto.destroy();
        const forced = await createRollout(device, { env, steps: 2, ...layouts, seed: 1, kernels: 'fused' });
        expect(forced.fused, `'fused' at ${numEnvs} envs`).toBe(true);
        forced.destroy();
      } finally {
        env.destroy();
      }
    }
  });

  it("refuses 'fused' where the rollout cannot fuse, naming why, and 'auto' then steps layer-wise", async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const snake = { actor: mlpLayout(actorSpec(11, 4, [8])), critic: mlpLayout(criticSpec(11, [8])) };
    const cases: { env: string; actor: MlpLayout; critic: MlpLayout; options?: Partial<RolloutConfig>; why: RegExp }[] = [
      { env: 'Pendulum-v1', actor: mlpLayout(gaussianActorSpec(3, 1, [8])), critic: mlpLayout(criticSpec(3, [8])), why: /has a box action space/ },
      { env: 'CartPole-v1', actor: mlpLayout(actorSpec(4, 2, [128])), critic: mlpLayout(criticSpec(4, [8])), why: /hiddenSizes\[0\] is 128, beyond the fused rollout's 64/ },
      { env: 'CartPole-v1', actor: mlpLayout(actorSpec(4, 2, [8])), critic: mlpLayout(criticSpec(4, [8])), options: { normalizeObservations: true }, why: /normalises observations or rewards/ },
      { env: 'Snake-v0', actor: snake.actor, critic: snake.critic, why: /has action masks/ },
    ];
    for (const c of cases) {
      const env = await createVectorEnv(device, c.env, { numEnvs: 2, seed });
      try {
        const config = { env, steps: 3, actor: c.actor, critic: c.critic, seed, ...c.options };
        await expect(createRollout(device, { ...config, kernels: 'fused' }), c.env).rejects.toThrow(c.why);
        const auto = await createRollout(device, config);
        expect(auto.fused, c.env).toBe(false);
        auto.destroy();
      } finally {
        env.destroy();
      }
    }
    const env = await createVectorEnv(device, 'CartPole-v1', { numEnvs: 2, seed });
    try {
      const layouts = { actor: mlpLayout(actorSpec(4, 2, [8])), critic: mlpLayout(criticSpec(4, [8])) };
      const auto = await createRollout(device, { env, steps: 3, ...layouts, seed });
      expect(auto.fused, "'auto' on CartPole, 2 envs").toBe(true);
      auto.destroy();
      await expect(createRollout(device, { env, steps: 3, ...layouts, seed, kernels: 'fast' as never })).rejects.toThrow(
        /rollout: kernels must be 'auto', 'fused' or 'layerwise' \(got "fast"\)/,
      );
    } finally {
      env.destroy();
    }
  });
});
