/**
 * The rollout encoder: T steps of N envs under the current policy, recorded into the transition
 * buffers, with no host round trip. Per step t (all in the caller's command encoder):
 *   1. observations[t] ← the observations the policy acts on (a copy);
 *   2. the actor's forward pass on them (N rows, agents G × N/G rows);
 *   3. one compute pass: sample a ~ π(·|s) with log π(a|s) (categorical, or diagonal Gaussian for a
 *      box action space), the env step with auto-reset, which reads the sampled actions in place
 *      (a Gaussian sample is stored unclipped; the env clips it to its bounds, CleanRL's
 *      ClipAction), then the running normalisers, if enabled (src/normalise);
 *   4. copies of the step's actions, log-probabilities, rewards, flags, final observations and
 *      finished-episode statistics into slot t.
 * Then observations[T] ← s_T, and the critic runs once over the whole rollout: its parameters do
 * not change during collection, so batched passes give V(s_t) for every t, V(s_T) (lastValues) and
 * the truncation bootstraps V(final observation) with the same values as T per-step passes.
 *
 * Fused (RolloutConfig.kernels, ./fused-steps.ts): where the rollout qualifies (a WGSL env with one
 * discrete action and nothing the per-step kernels add: masks, metrics, a policy seat,
 * normalisers; an actor at most 64 wide), steps 1–4 are one dispatch per step, and one dispatch
 * after the T steps unpacks the record: the same transitions to float32 rounding, without the 6
 * dispatches and 9 copies per step whose launch latency is the cost of a small N on a GPU.
 *
 * Populations (agents G > 1). Env n belongs to agent ⌊n / B⌋, B = N / G; the actor's per-step rows
 * are the envs, already agent-major. The critic's rows are not: ./critic-values.ts gathers them into
 * agent-major order for one pass and scatters the values back (2 + L dispatches instead of G = 1's
 * 2·L, for a copy of the observations each way).
 *
 * Randomness. Agent g's action draws use Philox key (seeds[g], ACTION_STREAM) and counter
 * (draw, k, t, i) for its k-th env (k = n mod B) at step t of iteration i; with env seeds equal to
 * the agent seeds (createVectorEnv options.seeds), agent g's envs and samples are exactly those of
 * a G = 1 rollout of B envs seeded seeds[g]. The counters live in a uniform buffer of T slots, one
 * bind group per slot, written by `prepare(iteration)` before the submit that carries the steps:
 * queue writes do not interleave with the commands of one submit, so each step needs its own slot.
 *
 * A game's JavaScript env (src/envs/host-vector-env.ts) cannot step inside a command buffer: each
 * step's recording is cut after the sampling (splitPoint, src/gpu/split-point.ts) and the env steps on
 * the CPU between the two submits; the copy of the actions to the CPU rides the sampling's segment.
 * Every step also marks a point where a paced loop may yield. When the game steps ranges of
 * instances (stepsRanges), N is even and nothing normalises, the steps are pipelined in halves
 * instead (`pipelineHostEnv`, ./host-halves.ts): each half's JavaScript runs while the GPU samples
 * the other half's actions, with the same record bit for bit.
 *
 * Action masks (an env with actionMasks, unless useActionMasks is false): each step samples under
 * the env's `masks` of the observation it acts on and records that mask in transitions.masks, so
 * the update's softmax runs over the same legal set (masked logits: no probability, no gradient for
 * an illegal action). A row whose mask allows nothing is not sampled: the sampler counts it in the
 * `maskErrors` block with its step and env (cleared by `prepare`), which the trainer turns into an
 * error. An env's per-episode metrics are recorded as transitions.episodeMetrics.
 *
 * Normalisers (CleanRL's continuous PPO): with `normalizeObservations` the networks see, and
 * observations/finalObservations hold, the normalised observations; with `normalizeRewards`
 * rewards hold the scaled rewards. episodeReturns stay raw (the env wrapper sums raw rewards).
 */
import { createBuffer, createBufferWithData, destroyBuffer } from '../gpu/buffers';
import type { VectorEnv } from '../envs/vector-env';
import { adapterOf } from '../gpu/device';
import { splitPoint } from '../gpu/split-point';
import { createMlpPasses, type MlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import { createRunningNormalisers, type RunningNormalisers } from '../normalise/running-normalisers';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import { clearMaskErrors, MASK_ERRORS_BYTES } from '../nn/heads';
import { createCriticValues } from './critic-values';
import { createHostHalves } from './host-halves';
import { createRolloutSamplers, type RolloutSamplers } from './rollout-samplers';
import { createStepRecorder, type StepRecorder } from './step-record';
import { resolveRolloutShape, type RolloutConfig, type RolloutShape } from './rollout-shape';
import { createTransitions, type Transitions } from './transitions';

export type { RolloutConfig } from './rollout-shape';

/** The Philox stream of the policy's action sampling ('ACT'). */
export const ACTION_STREAM = 0x414354;


export interface RolloutParams {
  /** f32 [G][P_actor]. */
  readonly actor: GPUBuffer;
  /** f32 [G][P_critic]. */
  readonly critic: GPUBuffer;
}

export interface Rollout {
  readonly transitions: Transitions;
  readonly steps: number;
  /** N (all agents). */
  readonly envs: number;
  /** G. */
  readonly agents: number;
  /**
   * The sampling head: 'categorical' (discrete env, actions u32 [T][N]; multi-discrete, one
   * categorical per branch, actions u32 [T][N][K]), 'gaussian' (box; actions f32 [T][N][A]) or
   * 'hybrid' (the Gaussian, then the branches; rows of D f32 then K u32).
   */
  readonly policy: 'categorical' | 'gaussian' | 'hybrid';
  /** Words per action A: 1 for a discrete env, K branches for a multi-discrete one, the dims of a box, D + K for a hybrid one. */
  readonly actionSize: number;
  /** The seed of each agent's action draws. */
  readonly seeds: readonly number[];
  /** The running normalisers, when either is enabled (their statistics buffers are checkpoint state). */
  readonly normalisers?: RunningNormalisers;
  /** Whether actions were sampled under the env's masks (transitions.buffers.masks then holds them). */
  readonly masked: boolean;
  /** Whether a JavaScript env's steps are pipelined in halves (RolloutConfig.pipelineHostEnv). */
  readonly pipelined: boolean;
  /** Whether each step is one fused dispatch (RolloutConfig.kernels, ./fused-steps-choice.ts). */
  readonly fused: boolean;
  /**
   * The MaskErrors block of the sampler (MASK_ERRORS_BYTES): rows whose mask allowed no action since
   * `prepare`, the first at step ⌊i / N⌋, env i mod N (src/nn/heads.ts decodeMaskErrors).
   */
  readonly maskErrors: GPUBuffer;
  /** Writes the per-step RNG counters of `iteration`; call before the submit that carries its encode. */
  prepare(iteration: number): void;
  /** Records a reset of every env (once, before the first rollout), and the normalisers' first batch. */
  encodeReset(encoder: GPUCommandEncoder): void;
  /** Records T steps, then the critic's values: fills every transition field. */
  encode(encoder: GPUCommandEncoder, params: RolloutParams): void;
  destroy(): void;
}

/** Compiles the rollout's kernels and allocates its buffers (once): the named steps below, in order. */
export async function createRollout(device: GPUDevice, config: RolloutConfig): Promise<Rollout> {
  const shape = resolveRolloutShape(config, adapterOf(device)?.isSoftware ?? false);
  const owned: { destroy(): void }[] = [];
  const own = <X extends { destroy(): void }>(x: X): X => (owned.push(x), x);
  const destroyAll = () => owned.splice(0).reverse().forEach((x) => x.destroy());
  try {
    const buffers = createRolloutBuffers(device, shape, own);
    const models = await createRolloutModels(device, shape, own);
    const values = await createCriticValues(device, shape, buffers, models.criticPasses);
    // The fused steps' code loads with the first rollout that fuses: a game's JavaScript env never fetches it.
    const steps = shape.fused
      ? own(await (await import('./fused-steps')).createFusedSteps(device, shape, buffers))
      : await createLayerwiseSteps(device, shape, buffers, models, own);
    return rolloutOf(device, shape, buffers, models, steps, values, destroyAll);
  } catch (error) {
    destroyAll();
    throw error;
  }
}

type Own = <X extends { destroy(): void }>(x: X) => X;

/** How a rollout records its T steps: the layer-wise dispatches below, or the fused kernel (./fused-steps.ts). */
interface RolloutSteps {
  /** Records the T steps: every transition field but the critic's values. */
  encode(encoder: GPUCommandEncoder, actorParams: GPUBuffer): void;
}

/** The layer-wise steps: per step the actor's forward (its passes over N rows), the samplers, the env's step and the record's copies. */
async function createLayerwiseSteps(device: GPUDevice, shape: RolloutShape, buffers: RolloutBuffers, models: RolloutModels, own: Own): Promise<RolloutSteps> {
  const actorPasses = own(await createMlpPasses(device, shape.actor, { agents: shape.G, rowsPerAgent: shape.B, label: `${shape.label}.actor` }));
  const samplers = await createRolloutSamplers(device, shape, buffers, actorPasses);
  const recorder = createStepRecorder(buffers.transitions, recordSources(shape, models.normalisers, buffers.stepLogProbs));
  const halves = shape.pipelined
    ? own(
        await createHostHalves(device, {
          env: shape.hostEnv!,
          steps: shape.steps,
          actor: shape.actor,
          observations: models.observationSource,
          policyOutput: actorPasses.outputs.policy!,
          policySize: shape.policySize,
          sampler: samplers.samplersOf,
          sampleBindings: samplers.bindings,
          recorder,
          label: shape.label,
        }),
      )
    : undefined;
  const encodeWholeSteps = wholeStepsEncoder(shape, models, actorPasses, samplers, recorder);
  const lastObservations = 4 * shape.steps * shape.N * shape.OBS;
  return {
    encode(encoder, actorParams) {
      if (halves) halves.encodeSteps(encoder, actorParams);
      else encodeWholeSteps(encoder, actorParams);
      encoder.copyBufferToBuffer(models.observationSource, 0, buffers.transitions.buffers.observations, lastObservations, 4 * shape.N * shape.OBS);
    },
  };
}

/** The transitions, the per-step RNG slots, the samplers' scratch, the agents' seeds and a population's critic input. */
function createRolloutBuffers(device: GPUDevice, shape: RolloutShape, own: Own) {
  const { env, steps, label, N, G, seeds, A, maskRow, OBS } = shape;
  const transitions = own(
    createTransitions(device, {
      steps,
      envs: N,
      observationSize: OBS,
      actionSize: A,
      maskWidth: maskRow,
      metricCount: env.buffers.episodeMetrics ? (env.descriptor.episodeMetrics?.length ?? 0) : 0,
      label: `${label}.transitions`,
    }),
  );
  const buffer = (b: GPUBuffer) => (own({ destroy: () => destroyBuffer(device, b) }), b);
  const align = device.limits.minUniformBufferOffsetAlignment;
  const slotBytes = Math.ceil(RNG_PARAMS_BYTES / align) * align;
  const storage = GPUBufferUsage.STORAGE;
  return {
    transitions,
    slotBytes,
    stepParams: buffer(createBuffer(device, { label: `${label}.step-params`, size: steps * slotBytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST })),
    stepLogProbs: buffer(createBuffer(device, { label: `${label}.step-log-probs`, size: 4 * N, usage: storage | GPUBufferUsage.COPY_SRC })),
    unusedMask: buffer(createBuffer(device, { label: `${label}.unused-mask`, size: 16, usage: storage })),
    maskErrors: buffer(createBuffer(device, { label: `${label}.mask-errors`, size: MASK_ERRORS_BYTES, usage: storage | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })),
    seedBuffer: buffer(createBufferWithData(device, `${label}.agent-seeds`, Uint32Array.from(seeds), storage)),
    // The agent-major critic input of a population: [G][2][T + 1][B][OBS].
    criticInput: G > 1 ? buffer(createBuffer(device, { label: `${label}.critic-input`, size: 4 * 2 * (steps + 1) * N * OBS, usage: storage })) : undefined,
  };
}
type RolloutBuffers = ReturnType<typeof createRolloutBuffers>;

/** The critic's whole-rollout passes and the normalisers, and what the networks read. */
async function createRolloutModels(device: GPUDevice, shape: RolloutShape, own: Own) {
  const { env, steps, critic, label, N, G, B, OBS, normalizeObservations, normalizeRewards } = shape;
  const e = env.buffers;
  const criticPasses = own(await createMlpPasses(device, critic, { agents: G, rowsPerAgent: G > 1 ? 2 * (steps + 1) * B : (steps + 1) * N, label: `${label}.critic` }));
  const normalisers =
    normalizeObservations || normalizeRewards
      ? own(
          await createRunningNormalisers(device, {
            agents: G,
            envsPerAgent: B,
            observationSize: OBS,
            observations: normalizeObservations,
            rewards: normalizeRewards,
            sources: { observations: e.observations, finalObservations: e.finalObservations, rewards: e.rewards, terminated: e.terminated },
            label: `${label}.normalisers`,
          }),
        )
      : undefined;
  // What the networks see and the record keeps: normalised observations when enabled.
  return { criticPasses, normalisers, observationSource: normalisers?.buffers.normalisedObservations ?? e.observations };
}
type RolloutModels = Awaited<ReturnType<typeof createRolloutModels>>;

/** The step recorder's sources: normalised observations and scaled rewards when enabled, the env's own buffers otherwise. */
function recordSources(shape: RolloutShape, normalisers: RunningNormalisers | undefined, stepLogProbs: GPUBuffer): Parameters<typeof createStepRecorder>[1] {
  const e = shape.env.buffers;
  const nb = normalisers?.buffers;
  return {
    observations: nb?.normalisedObservations ?? e.observations,
    finalObservations: nb?.normalisedFinalObservations ?? e.finalObservations,
    rewards: nb?.scaledRewards ?? e.rewards,
    actions: e.actions,
    logProbs: stepLogProbs,
    terminated: e.terminated,
    truncated: e.truncated,
    episodeReturns: e.episodeReturns,
    episodeLengths: e.episodeLengths,
    ...(shape.masked ? { masks: e.masks! } : {}),
    ...(e.episodeMetrics ? { episodeMetrics: e.episodeMetrics } : {}),
  };
}

/**
 * Unpipelined steps: every step samples all N, then steps the env (a dispatch, or a JavaScript
 * env's step between two submits), then the normalisers, then records the step's results.
 */
function wholeStepsEncoder(shape: RolloutShape, models: RolloutModels, actorPasses: MlpPasses, samplers: RolloutSamplers, recorder: StepRecorder) {
  const { env, steps, label, N, hostEnv } = shape;
  const { normalisers, observationSource } = models;
  const hostStepAll = () => hostEnv!.hostStep();
  return (encoder: GPUCommandEncoder, actorParams: GPUBuffer) => {
    const groups = samplers.groups(actorParams);
    for (let step = 0; step < steps; step += 1) {
      recorder.encodeInputs(encoder, step, 0, N);
      actorPasses.encodeForward(encoder, { params: actorParams, inputs: observationSource });
      let pass = encoder.beginComputePass({ label: `${label}.step` });
      samplers.dispatch(pass, groups, step);
      if (hostEnv) {
        // A JavaScript env steps between two submits: the actions are written and copied to the CPU in the first.
        pass.end();
        hostEnv.encodeActionReadback(encoder);
        splitPoint(encoder, hostStepAll);
        pass = encoder.beginComputePass({ label: `${label}.step-normalise` });
      } else {
        env.dispatchStep(pass);
      }
      if (normalisers) {
        normalisers.dispatchRewards(pass);
        normalisers.dispatchObservations(pass);
      }
      pass.end();
      recorder.encodeResults(encoder, step, 0, N);
      // Where a paced loop may let a frame go by.
      splitPoint(encoder);
    }
  };
}

/** The Rollout over what the steps above built; `encodeSteps` records the T steps and the critic's values. */
function rolloutOf(
  device: GPUDevice,
  shape: RolloutShape,
  buffers: RolloutBuffers,
  models: RolloutModels,
  steps: RolloutSteps,
  values: { encode(encoder: GPUCommandEncoder, critic: GPUBuffer): void },
  destroy: () => void,
): Rollout {
  const { env, label, N, G, seeds, continuousDims: D, branches, A, masked, pipelined } = shape;
  const { transitions, stepParams, slotBytes, maskErrors } = buffers;
  const { normalisers } = models;
  const T = shape.steps;
  const slots = new Uint32Array((T * slotBytes) / 4);
  return {
    transitions,
    steps: T,
    envs: N,
    agents: G,
    policy: D === 0 ? 'categorical' : branches.length === 0 ? 'gaussian' : 'hybrid',
    actionSize: A,
    seeds,
    normalisers,
    masked,
    pipelined,
    fused: shape.fused,
    maskErrors,
    prepare(iteration) {
      clearMaskErrors(device.queue, maskErrors);
      for (let step = 0; step < T; step += 1) {
        // seed is unused by the samplers (agent_seeds holds the keys); kept for readability of the slot.
        slots.set(encodeRngParams({ seed: seeds[0]!, stream: ACTION_STREAM, iteration, step, draw: 0 }), (step * slotBytes) / 4);
      }
      device.queue.writeBuffer(stepParams, 0, slots);
    },
    encodeReset(encoder) {
      env.encodeReset(encoder);
      if (normalisers) {
        normalisers.encodeResetReturns(encoder);
        if (normalisers.observations) {
          const pass = encoder.beginComputePass({ label: `${label}.normalise-reset` });
          normalisers.dispatchObservations(pass);
          pass.end();
        }
      }
    },
    encode(encoder, params) {
      steps.encode(encoder, params.actor);
      values.encode(encoder, params.critic);
    },
    destroy,
  };
}
