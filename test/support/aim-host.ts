/**
 * Aim-v0 (test/support/aim-env.ts, a masked hybrid WGSL env: aim × weapon × charge) as a
 * JavaScript game, in both host-env forms: batched (typed arrays, stepsRanges: each instance's row
 * of batch.actions holds its aim, and batch.discreteActions the same row's weapon and charge) and
 * per instance (step() gets a HybridAction, views of the instance's aim and branches). Both draw
 * from `random` in the WGSL body's order (a target's x, then its colour, at the reset and after
 * every step) and compute in float32 where the WGSL does (the draws' products, |a − x| and the
 * reward's difference), so createHostVectorEnv over either replays the WGSL env from the same seed.
 * Used by test/gpu/hybrid-env.test.ts.
 */
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import type { HostEnv, HybridAction } from '../../src/envs/per-instance-host-env';
import type { HybridActions } from '../../src/envs/types';
import { AIM, AIM_MASK_WIDTH, AIM_NVEC } from './aim-env';

const f32 = Math.fround;
const HIT_REWARD = (AIM.params as { hit_reward: number }).hit_reward;
const OBS = 4;
const D = 1;
const K = AIM_NVEC.length;
/** Words of an action row: the aim, then the weapon and the charge. */
const W = D + K;

/** One instance's state, as the WGSL's State (position, colour, hits). */
interface AimState {
  position: number;
  colour: number;
  hits: number;
}

/** aim_target of the WGSL: x = −1 + 2·u (exact product), then the colour min(floor(u · 3), 2) in float32. */
function drawTarget(state: AimState, random: () => number): void {
  state.position = f32(-1 + 2 * random());
  state.colour = Math.min(Math.floor(f32(random() * 3)), 2);
}

/** env_step of the WGSL: the reward of aim `a` (already clipped), weapon and charge; counts a hit and draws the next target. */
function stepState(state: AimState, aim: number, weapon: number, charge: number, random: () => number): number {
  const hit = weapon === state.colour ? 1 : 0;
  const reward = f32((1 + charge) * f32(HIT_REWARD * hit - Math.abs(f32(aim - state.position))));
  state.hits += hit;
  drawTarget(state, random);
  return reward;
}

function writeObservation(state: AimState, out: Float32Array | number[], at: number): void {
  out[at] = state.position;
  for (let c = 0; c < 3; c += 1) out[at + 1 + c] = state.colour === c ? 1 : 0;
}

/** env_mask of the WGSL: the weapon after the target's colour masked, both charges allowed. */
function writeMask(state: AimState, out: Uint32Array, at: number): void {
  const masked = (state.colour + 1) % 3;
  for (let w = 0; w < 3; w += 1) out[at + w] = w === masked ? 0 : 1;
  out[at + 3] = 1;
  out[at + 4] = 1;
}

const shape = {
  observationSize: AIM.observationSize,
  actionSpace: AIM.actionSpace,
  maxEpisodeSteps: AIM.maxEpisodeSteps,
  episodeMetrics: AIM.episodeMetrics!,
} as const;

/** Aim-v0 batched: instance i's aim at batch.actions[i·3], its weapon and charge at batch.discreteActions[i·3 + 1 … 2]. */
export function aimHost(name = 'aim-js'): BatchedHostEnv {
  let states: AimState[] = [];
  // Made once per instance, so that stepping allocates nothing.
  let draws: (() => number)[] = [];
  const prepare = (batch: HostEnvBatch) => {
    if (states.length === batch.numEnvs) return;
    states = Array.from({ length: batch.numEnvs }, () => ({ position: 0, colour: 0, hits: 0 }));
    draws = states.map((_, i) => () => batch.random(i));
  };
  return {
    name,
    ...shape,
    actionMasks: true,
    stepsRanges: true,
    resetBatch(batch, instances) {
      prepare(batch);
      for (const i of instances) {
        const state = states[i]!;
        state.hits = 0;
        drawTarget(state, draws[i]!);
        writeObservation(state, batch.observations, OBS * i);
        writeMask(state, batch.masks, AIM_MASK_WIDTH * i);
      }
    },
    stepBatch(batch, from, to) {
      const aims = batch.actions as Float32Array;
      const branches = batch.discreteActions;
      for (let i = from; i < to; i += 1) {
        const state = states[i]!;
        batch.rewards[i] = stepState(state, aims[W * i]!, branches[W * i + D]!, branches[W * i + D + 1]!, draws[i]!);
        batch.terminated[i] = 0;
        writeObservation(state, batch.observations, OBS * i);
        writeMask(state, batch.masks, AIM_MASK_WIDTH * i);
        // Every row: the engine keeps those of the instances whose episode ended here.
        batch.episodeMetrics[i] = state.hits;
      }
    },
  };
}

/** Aim-v0 per instance: step() gets a HybridAction, views of the instance's aim and [weapon, charge]. */
export function aimHostPerInstance(name = 'aim-js'): HostEnv {
  const states: AimState[] = [];
  const observe = (state: AimState) => {
    const out = [0, 0, 0, 0];
    writeObservation(state, out, 0);
    return out;
  };
  const isHybridAction = (action: unknown): action is HybridAction =>
    (action as HybridAction)?.continuous instanceof Float32Array && (action as HybridAction).discrete instanceof Uint32Array;
  return {
    name,
    ...shape,
    reset(env, random) {
      const state = (states[env] ??= { position: 0, colour: 0, hits: 0 });
      state.hits = 0;
      drawTarget(state, random);
      return observe(state);
    },
    step(env, action, random) {
      if (!isHybridAction(action) || action.continuous.length !== D || action.discrete.length !== K) {
        throw new TypeError(`aim-js: env ${env} got action ${String(action)} (expected { continuous: Float32Array(${D}), discrete: Uint32Array(${K}) })`);
      }
      const state = states[env]!;
      const reward = stepState(state, action.continuous[0]!, action.discrete[0]!, action.discrete[1]!, random);
      return { observation: observe(state), reward, terminated: false };
    },
    actionMask(env, mask) {
      writeMask(states[env]!, mask, 0);
    },
    metrics(env, out) {
      out[0] = states[env]!.hits;
    },
  };
}

/**
 * Random actions of N envs under `masks` ([N][5]): an aim uniform in [-1.5, 1.5] (a third of them
 * outside the box, for the env to clip), a weapon uniform among the legal ones, a charge a coin flip.
 */
export function randomAimActions(masks: Uint32Array, random: () => number): HybridActions {
  const n = masks.length / AIM_MASK_WIDTH;
  const continuous = new Float32Array(n * D);
  const discrete = new Uint32Array(n * K);
  for (let i = 0; i < n; i += 1) {
    continuous[i] = 3 * random() - 1.5;
    const legal = [0, 1, 2].filter((w) => masks[AIM_MASK_WIDTH * i + w] === 1);
    discrete[K * i] = legal[Math.floor(random() * legal.length)]!;
    discrete[K * i + 1] = random() < 0.5 ? 0 : 1;
  }
  return { continuous, discrete };
}
