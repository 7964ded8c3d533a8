/**
 * The rollout encoder: T steps of N envs under the current policy, recorded into the transition
 * buffers, with no host round trip. Per step t (all in the caller's command encoder):
 *   1. observations[t] ← the envs' current observations (a copy);
 *   2. the actor's forward pass on them (N rows);
 *   3. one compute pass: sample a ~ π(·|s) with log π(a|s) (categorical head), then the env step
 *      with auto-reset, which reads the sampled actions in place;
 *   4. copies of the step's actions, log-probabilities, rewards, flags, final observations and
 *      finished-episode statistics into slot t.
 * Then observations[T] ← s_T, and the critic runs once over the whole rollout: its parameters do
 * not change during collection, so one batched pass of (T + 1)·N rows gives V(s_t) for every t and
 * V(s_T) (lastValues), and a second over the final observations gives the truncation bootstraps.
 * That is two critic passes per iteration instead of T, with the same values.
 *
 * Randomness: step t of iteration i samples with Philox key (seed, ACTION_STREAM), counter
 * (0, n, t, i). The counters live in a uniform buffer of T slots, one bind group per slot, written
 * by `prepare(iteration)` before the submit that carries the steps: queue writes do not
 * interleave with the commands of one submit, so each step needs its own slot.
 */
import { createBuffer, destroyBuffer } from '../gpu/buffers';
import { createKernel } from '../gpu/kernel';
import type { VectorEnv } from '../envs/vector-env';
import { categoricalSampleKernel } from '../nn/heads';
import { createMlpPasses, type MlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import { createTransitions, type Transitions } from './transitions';

/** The Philox stream of the policy's action sampling ('ACT'). */
export const ACTION_STREAM = 0x414354;

export interface RolloutConfig {
  /** The envs (reset by `encodeReset` before the first rollout). */
  readonly env: VectorEnv;
  /** T: steps per rollout. */
  readonly steps: number;
  /** The actor's layout: a categorical policy head named 'policy' of n actions (discrete envs). */
  readonly actor: MlpLayout;
  /** The critic's layout (a head named 'value' of size 1). */
  readonly critic: MlpLayout;
  /** u32 seed of the action sampling. */
  readonly seed: number;
  readonly label?: string;
}

export interface RolloutParams {
  /** f32 [P_actor]. */
  readonly actor: GPUBuffer;
  /** f32 [P_critic]. */
  readonly critic: GPUBuffer;
}

export interface Rollout {
  readonly transitions: Transitions;
  readonly steps: number;
  readonly envs: number;
  /** The actor passes over N rows (the per-step forward). */
  readonly actorPasses: MlpPasses;
  /** Writes the per-step RNG counters of `iteration`; call before the submit that carries its encode. */
  prepare(iteration: number): void;
  /** Records a reset of every env (once, before the first rollout). */
  encodeReset(encoder: GPUCommandEncoder): void;
  /** Records T steps, then the critic's values: fills every transition field. */
  encode(encoder: GPUCommandEncoder, params: RolloutParams): void;
  destroy(): void;
}

/** Compiles the rollout's kernels and allocates its buffers (once). */
export async function createRollout(device: GPUDevice, config: RolloutConfig): Promise<Rollout> {
  const { env, steps, actor, critic, seed } = config;
  const label = config.label ?? 'rollout';
  const space = env.descriptor.actionSpace;
  if (space.kind !== 'discrete') {
    throw new RangeError(`rollout: env '${env.descriptor.id}' has a continuous action space; this rollout samples a categorical policy (discrete envs only)`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`rollout: steps must be a positive integer (got ${steps})`);
  const policyHead = actor.headLayer.policy;
  if (policyHead === undefined || actor.layers[policyHead]!.outputSize !== space.n) {
    throw new RangeError(`rollout: the actor needs a 'policy' head of ${space.n} logits for env '${env.descriptor.id}'`);
  }
  if (critic.headLayer.value === undefined || critic.layers[critic.headLayer.value]!.outputSize !== 1) {
    throw new RangeError("rollout: the critic needs a 'value' head of size 1");
  }
  if (actor.spec.inputSize !== env.observationSize || critic.spec.inputSize !== env.observationSize) {
    throw new RangeError(`rollout: actor and critic take ${env.observationSize} inputs (the env's observation size)`);
  }
  const N = env.numEnvs;
  const OBS = env.observationSize;
  const transitions = createTransitions(device, { steps, envs: N, observationSize: OBS, actionSize: 1, label: `${label}.transitions` });
  const t = transitions.buffers;

  const align = device.limits.minUniformBufferOffsetAlignment;
  const slotBytes = Math.ceil(RNG_PARAMS_BYTES / align) * align;
  const stepParams = createBuffer(device, {
    label: `${label}.step-params`,
    size: steps * slotBytes,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const stepLogProbs = createBuffer(device, { label: `${label}.step-log-probs`, size: 4 * N, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const unusedMask = createBuffer(device, { label: `${label}.unused-mask`, size: 16, usage: GPUBufferUsage.STORAGE });
  const owned = [stepParams, stepLogProbs, unusedMask];

  let actorPasses: MlpPasses | undefined;
  let criticPasses: MlpPasses | undefined;
  try {
    actorPasses = await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: N, label: `${label}.actor` });
    criticPasses = await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: (steps + 1) * N, label: `${label}.critic` });
  } catch (error) {
    actorPasses?.destroy();
    transitions.destroy();
    for (const buffer of owned) destroyBuffer(device, buffer);
    throw error;
  }
  const sample = categoricalSampleKernel({ rows: N, actions: space.n });
  const sampleKernel = await createKernel(device, { ...sample.spec, label: `${label}.sample` });
  const logits = actorPasses.outputs.policy!;
  const sampleGroups = Array.from({ length: steps }, (_, step) =>
    sampleKernel.bind(
      {
        params: { buffer: stepParams, offset: step * slotBytes, size: RNG_PARAMS_BYTES },
        logits,
        mask: unusedMask,
        actions: env.buffers.actions,
        log_probs: stepLogProbs,
      },
      `${label}.sample[${step}]`,
    ),
  );
  const slots = new Uint32Array((steps * slotBytes) / 4);
  const values = criticPasses.outputs.value!;
  const e = env.buffers;
  const obsBytes = 4 * N * OBS;
  const rowBytes = 4 * N;

  return {
    transitions,
    steps,
    envs: N,
    actorPasses,
    prepare(iteration) {
      for (let step = 0; step < steps; step += 1) {
        slots.set(encodeRngParams({ seed, stream: ACTION_STREAM, iteration, step, draw: 0 }), (step * slotBytes) / 4);
      }
      device.queue.writeBuffer(stepParams, 0, slots);
    },
    encodeReset(encoder) {
      env.encodeReset(encoder);
    },
    encode(encoder, params) {
      for (let step = 0; step < steps; step += 1) {
        encoder.copyBufferToBuffer(e.observations, 0, t.observations, step * obsBytes, obsBytes);
        actorPasses!.encodeForward(encoder, { params: params.actor, inputs: e.observations });
        const pass = encoder.beginComputePass({ label: `${label}.step` });
        sampleKernel.dispatch(pass, sampleGroups[step]!, sample.invocations);
        env.dispatchStep(pass);
        pass.end();
        const at = step * rowBytes;
        encoder.copyBufferToBuffer(e.actions, 0, t.actions, at, rowBytes);
        encoder.copyBufferToBuffer(stepLogProbs, 0, t.logProbs, at, rowBytes);
        encoder.copyBufferToBuffer(e.rewards, 0, t.rewards, at, rowBytes);
        encoder.copyBufferToBuffer(e.terminated, 0, t.terminated, at, rowBytes);
        encoder.copyBufferToBuffer(e.truncated, 0, t.truncated, at, rowBytes);
        encoder.copyBufferToBuffer(e.episodeReturns, 0, t.episodeReturns, at, rowBytes);
        encoder.copyBufferToBuffer(e.episodeLengths, 0, t.episodeLengths, at, rowBytes);
        encoder.copyBufferToBuffer(e.finalObservations, 0, t.finalObservations, step * obsBytes, obsBytes);
      }
      encoder.copyBufferToBuffer(e.observations, 0, t.observations, steps * obsBytes, obsBytes);
      // V(s_t) for t ≤ T in one pass; then V(final obs) in a second (row T of it is unused).
      criticPasses!.encodeForward(encoder, { params: params.critic, inputs: t.observations });
      encoder.copyBufferToBuffer(values, 0, t.values, 0, steps * rowBytes);
      encoder.copyBufferToBuffer(values, steps * rowBytes, t.lastValues, 0, rowBytes);
      criticPasses!.encodeForward(encoder, { params: params.critic, inputs: t.finalObservations });
      encoder.copyBufferToBuffer(values, 0, t.finalValues, 0, steps * rowBytes);
    },
    destroy() {
      actorPasses!.destroy();
      criticPasses!.destroy();
      transitions.destroy();
      for (const buffer of owned) destroyBuffer(device, buffer);
    },
  };
}
