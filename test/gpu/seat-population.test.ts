/**
 * A learner and a frozen opponent as members of one population, on a game with seats: PPO with
 * `seatPolicies: [0, 1]` and learning rates [lr, 0] on "Chase" (seat 0 chases, seat 1 flees by a
 * fixed rule that its mask imposes: one legal action a step, whatever its parameters say). After an
 * iteration the learner (member 0) equals, to float32 reduction order (< 1e-5 relative), a solo PPO
 * run with the same seed on the one-seat game whose step plays that rule itself: sharing the
 * dispatches, the rows and the matches with its opponent changes nothing of the learner's gradient.
 * The opponent's parameters stay exactly as they were (a learning rate of 0 is a frozen member).
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import type { PpoConfig } from '../../src/algos/ppo/config';
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import type { SeatBatch, SeatedHostEnv } from '../../src/envs/seated-host-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const LENGTH = 8;

/** The fleeing seat's rule: away from the chaser, or a step that depends on the time when level. */
const flee = (x: number, y: number, t: number) => (y > x ? 2 : y < x ? 0 : t % 3);
const observe = (out: Float32Array, at: number, x: number, y: number, t: number) => out.set([x / 5, y / 5, t / LENGTH], at);

/** Per-match state of Chase, shared by both forms: positions x (the chaser), y, and the time. */
class ChaseState {
  x = new Int32Array(0);
  y = new Int32Array(0);
  t = new Int32Array(0);
  size(n: number) {
    if (this.x.length !== n) [this.x, this.y, this.t] = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  }
  start(i: number, random: (i: number) => number) {
    this.x[i] = Math.floor(random(i) * 9) - 4;
    this.y[i] = Math.floor(random(i) * 9) - 4;
    this.t[i] = 0;
  }
  /** Moves both; the chaser's reward. */
  move(i: number, chaser: number, fleer: number): number {
    this.x[i]! += chaser - 1;
    this.y[i]! += fleer - 1;
    this.t[i]! += 1;
    return -Math.abs(this.x[i]! - this.y[i]!) / 10;
  }
}

/** Chase with two seats: the fleer's mask allows its rule's action only. */
function seatedChase(): SeatedHostEnv {
  const s = new ChaseState();
  const show = (batch: SeatBatch, i: number) => {
    const [x, y, t] = [s.x[i]!, s.y[i]!, s.t[i]!];
    for (const seat of [0, 1]) {
      const r = batch.row(i, seat);
      observe(batch.observations, 3 * r, seat === 0 ? x : y, seat === 0 ? y : x, t);
      batch.masks.set(seat === 0 ? [1, 1, 1] : [0, 1, 2].map((a) => (a === flee(x, y, t) ? 1 : 0)), 3 * r);
    }
  };
  return {
    name: 'chase-seats', seats: 2, observationSize: 3, actionSpace: { kind: 'discrete', n: 3 }, maxEpisodeSteps: LENGTH, actionMasks: true,
    resetBatch(batch, instances) {
      s.size(batch.numInstances);
      for (const i of instances) (s.start(i, (k) => batch.random(k)), show(batch, i));
    },
    stepBatch(batch) {
      for (let i = 0; i < batch.numInstances; i += 1) {
        const reward = s.move(i, batch.actions[batch.row(i, 0)]!, batch.actions[batch.row(i, 1)]!);
        batch.rewards[batch.row(i, 0)] = reward;
        batch.rewards[batch.row(i, 1)] = -reward;
        show(batch, i);
      }
    },
  };
}

/** Chase for one seat: the fleer's rule inside the step. */
function soloChase(): BatchedHostEnv {
  const s = new ChaseState();
  const show = (batch: HostEnvBatch, i: number) => {
    observe(batch.observations, 3 * i, s.x[i]!, s.y[i]!, s.t[i]!);
    batch.masks.set([1, 1, 1], 3 * i);
  };
  return {
    name: 'chase-solo', observationSize: 3, actionSpace: { kind: 'discrete', n: 3 }, maxEpisodeSteps: LENGTH, actionMasks: true,
    resetBatch(batch, instances) {
      s.size(batch.numEnvs);
      for (const i of instances) (s.start(i, batch.random), show(batch, i));
    },
    stepBatch(batch, from, to) {
      for (let i = from; i < to; i += 1) {
        batch.rewards[i] = s.move(i, batch.actions[i]!, flee(s.x[i]!, s.y[i]!, s.t[i]!));
        show(batch, i);
      }
    },
  };
}

async function oneIteration(device: GPUDevice, config: PpoConfig) {
  const trainer = await createPpoTrainer(device, config);
  try {
    const before = await trainer.readParameters();
    await trainer.iterate();
    await trainer.drain();
    const after = await trainer.readParameters();
    const params = (p: typeof before, name: string) => p.networks[name]!.parameters;
    return { before: { actor: params(before, 'actor'), critic: params(before, 'critic') }, after: { actor: params(after, 'actor'), critic: params(after, 'critic') } };
  } finally {
    trainer.destroy();
  }
}

/** max |a − b| over max |b|, over b's length from `offset` in a. */
function relativeError(a: Float32Array, b: Float32Array, offset = 0): number {
  let worst = 0;
  let scale = 0;
  b.forEach((value, i) => {
    worst = Math.max(worst, Math.abs(a[offset + i]! - value));
    scale = Math.max(scale, Math.abs(value));
  });
  return worst / scale;
}

describe('a learner and a frozen opponent in one population', () => {
  const gpu = useGpu();

  it('the learner equals its solo run against the fixed opponent after an iteration; the opponent stays frozen', async () => {
    const seed = freshSeed() >>> 1;
    const base: PpoConfig = { seed, numEnvs: 8, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [16], totalTimesteps: 8 * 16 * 4, annealLr: false };
    const population = await gpuStep(gpu(), 'population', () => oneIteration(gpu().device, { ...base, env: seatedChase(), seatPolicies: [0, 1], learningRate: [3e-3, 0] }));
    const solo = await gpuStep(gpu(), 'solo', () => oneIteration(gpu().device, { ...base, env: soloChase(), learningRate: 3e-3 }));
    const PA = solo.after.actor.length;
    const PC = solo.after.critic.length;
    const errors = [relativeError(population.after.actor, solo.after.actor), relativeError(population.after.critic, solo.after.critic)];
    const moved = relativeError(solo.after.actor, solo.before.actor);
    console.log(`[seat population] seed ${seed}: learner vs solo (actor, critic) ${errors.map((e) => e.toExponential(2)).join(', ')}; the solo actor moved ${moved.toExponential(2)}`);
    // The iteration changed the learner: the comparison is not of two initialisations.
    expect(moved).toBeGreaterThan(1e-3);
    expect(Math.max(...errors), `seed ${seed}`).toBeLessThan(1e-5);
    // The opponent (member 1) is bit for bit its initial parameters.
    expect(population.after.actor.subarray(PA, 2 * PA)).toEqual(population.before.actor.subarray(PA, 2 * PA));
    expect(population.after.critic.subarray(PC, 2 * PC)).toEqual(population.before.critic.subarray(PC, 2 * PC));
  });
});
