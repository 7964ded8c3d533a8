/**
 * Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 on a real device, through the
 * generic wrapper (createVectorEnv), against their float64 references (test/reference/envs/).
 *
 * Comparison rule. Inputs are float32 (what the GPU holds); the reference steps the same float32
 * numbers in float64. An output x matches its reference r when
 *     |x − r| ≤ 1e-5 · max(scale, |r|) + 16·spread,
 * where `scale` is the quantity's natural size capped at 1 (its observation-space bound, e.g. 0.07
 * for MountainCar's velocity, 1 for angles and rewards): relative where the value is large, and
 * absolute at 1e-5 of its usual size where it crosses zero. `spread` is how far the float64
 * reference itself moves when one input entry moves by one float32 rounding (2^-23 relative, each
 * entry both ways): the step's own conditioning. It is negligible for all but ill-conditioned steps:
 * Acrobot at high speed is one (dt·θ̇ is up to 5.7 rad a step; one rounding of the input can move
 * θ̇2' by 1e-3 of its range), so no float32 implementation can match float64 there to 1e-5. A
 * float32 emulation of the RK4 step (every operation rounded) stayed within 1e-5·max(scale, |r|) +
 * 5.3·spread over 2·10^5 random states; 16 leaves room for GPU sin/cos. Acrobot's wrapped angles
 * are compared modulo 2π (π and −π are the same angle; float32 rounding may put a value past either).
 *
 * Thresholds. A step's discontinuous decisions (Acrobot's termination height, MountainCar's wall
 * stop and goal) are reported by the reference as a margin: the distance of the decision's input
 * from its threshold. Where that margin is below NEAR (far above float32 rounding of the inputs,
 * far below the distances random states produce), float32 may decide the other way, so such a
 * sample is left out of the comparison and counted; the test asserts that they are rare.
 * In a 100-step rollout the GPU and the float64 reference run independently from the same state
 * with the same actions, so their trajectories drift apart by accumulated rounding (Acrobot is
 * chaotic). A first termination at different steps is accepted only when, at the earlier of the
 * two steps, the reference's margin is within L·gap + NEAR, where gap is the largest state
 * difference between the two trajectories at that step or the one before and L bounds how fast
 * the decision's input moves with the state (Acrobot: |∂h/∂θ1| + |∂h/∂θ2| ≤ 3; MountainCar: the
 * wall input p + v' moves at most 3× the state). Every GPU step along the rollout must also match the reference
 * stepped from the GPU's own previous state: the drift is rounding, not a wrong equation.
 */
import { describe, expect, it } from 'vitest';
import { readBufferOnce } from '../../src/gpu/index';
import { acrobot } from '../../src/envs/builtin/acrobot';
import { mountainCar } from '../../src/envs/builtin/mountain-car';
import { mountainCarContinuous } from '../../src/envs/builtin/mountain-car-continuous';
import { pendulum } from '../../src/envs/builtin/pendulum';
import { ENV_RESET_PHASE, ENV_STREAM } from '../../src/envs/kernels';
import type { EnvDescriptor } from '../../src/envs/types';
import { createVectorEnv, type VectorEnv } from '../../src/envs/vector-env';
import { acrobotObs, acrobotStep } from '../reference/envs/acrobot';
import { mountainCarObs, mountainCarStep } from '../reference/envs/mountain-car';
import { mountainCarContinuousObs, mountainCarContinuousStep } from '../reference/envs/mountain-car-continuous';
import { pendulumObs, pendulumStep } from '../reference/envs/pendulum';
import { rngBlock, uniformFromBits } from '../reference/philox';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { meanAndVariance } from '../support/statistics';

type Action = number | number[];
type Random = () => number;
interface RefStep {
  state: number[];
  reward: number;
  terminated: boolean;
  margin: number;
}

/** What the tests need to know about one env besides its descriptor. */
interface EnvCase {
  env: EnvDescriptor;
  step(state: readonly number[], action: Action): RefStep;
  obs(state: readonly number[]): number[];
  /** A state from the region the env reaches (wider than its reset distribution). */
  randomState(random: Random): number[];
  /** An action for a rollout, given the reference's current state (a policy that reaches the goal often). */
  policy(state: readonly number[], random: Random): Action;
  randomAction(random: Random): Action;
  /** State entries compared modulo 2π. */
  angles: readonly number[];
  /** Per state entry: its natural size capped at 1 (the `scale` of the comparison rule). */
  stateScale: readonly number[];
  /** Margin below which a decision may go either way in float32 (see the file comment). */
  near: number;
  /** Rate of change of the decisions' inputs with the state (see the file comment). */
  lipschitz: number;
  /** Reset: per state entry, [low, high] of its uniform draw (in draw order), or a constant. */
  reset: readonly ([number, number] | number)[];
  /** The least fraction of rollout envs that must terminate (so termination times are tested). */
  minTerminatedFraction: number;
}

const uniformIn = (random: Random, low: number, high: number) => low + (high - low) * random();
const obsScale = (env: EnvDescriptor) => env.observationSpace.high.map((h) => Math.min(1, h));

const CASES: EnvCase[] = [
  {
    env: acrobot,
    step: (s, a) => acrobotStep(s, a as number),
    obs: acrobotObs,
    randomState: (r) => [uniformIn(r, -Math.PI, Math.PI), uniformIn(r, -Math.PI, Math.PI), uniformIn(r, -4 * Math.PI, 4 * Math.PI), uniformIn(r, -9 * Math.PI, 9 * Math.PI)],
    // Random torques from states of any energy: about half the episodes swing up within 100 steps.
    policy: (_s, r) => Math.floor(3 * r()),
    randomAction: (r) => Math.floor(3 * r()),
    angles: [0, 1],
    stateScale: [1, 1, 1, 1],
    near: 1e-4,
    lipschitz: 3,
    reset: [[-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1]],
    minTerminatedFraction: 0.2,
  },
  {
    env: mountainCar,
    step: (s, a) => mountainCarStep(s, a as number),
    obs: mountainCarObs,
    randomState: (r) => [uniformIn(r, -1.2, 0.6), uniformIn(r, -0.07, 0.07)],
    // Pump energy (push along the velocity), with 10% random actions.
    policy: (s, r) => (r() < 0.1 ? Math.floor(3 * r()) : s[1]! >= 0 ? 2 : 0),
    randomAction: (r) => Math.floor(3 * r()),
    angles: [],
    stateScale: [1, 0.07],
    near: 1e-6,
    lipschitz: 3,
    reset: [[-0.6, -0.4], 0],
    minTerminatedFraction: 0.5,
  },
  {
    env: mountainCarContinuous,
    step: (s, a) => mountainCarContinuousStep(s, a as number[]),
    obs: mountainCarContinuousObs,
    randomState: (r) => [uniformIn(r, -1.2, 0.6), uniformIn(r, -0.07, 0.07)],
    policy: (s, r) => [(s[1]! >= 0 ? 1 : -1) * uniformIn(r, 0.3, 1)],
    randomAction: (r) => [uniformIn(r, -1, 1)],
    angles: [],
    stateScale: [1, 0.07],
    near: 1e-6,
    lipschitz: 3,
    reset: [[-0.6, -0.4], 0],
    minTerminatedFraction: 0.5,
  },
  {
    env: pendulum,
    step: (s, a) => pendulumStep(s, a as number[]),
    obs: pendulumObs,
    // θ is never wrapped: after 200 steps of spinning it can be ±80 rad.
    randomState: (r) => [uniformIn(r, -30, 30), uniformIn(r, -8, 8)],
    policy: (_s, r) => [uniformIn(r, -2, 2)],
    randomAction: (r) => [uniformIn(r, -2, 2)],
    angles: [],
    stateScale: [1, 1],
    near: 0,
    lipschitz: 0,
    reset: [[-Math.PI, Math.PI], [-1, 1]],
    minTerminatedFraction: 0,
  },
];

const TOLERANCE = 1e-5;
const POISON_F32 = Number.NaN;
const POISON_U32 = 0xdeadbeef;

/** x − r, with angles reduced to (−π, π]. */
function difference(x: number, r: number, angle: boolean): number {
  const d = x - r;
  return angle ? d - 2 * Math.PI * Math.round(d / (2 * Math.PI)) : d;
}

/** Multiple of the reference's spread allowed on top of TOLERANCE (see the file comment). */
const SPREAD_MULTIPLE = 16;

/** A reference output with, per entry, its spread under one float32 rounding of each input entry. */
interface Expected {
  values: readonly number[];
  spread: readonly number[];
}

/** The first entry of `actual` unlike `expected` under the comparison rule, as a message; '' if none. */
function mismatch(actual: ArrayLike<number>, expected: Expected, scale: readonly number[], angles: readonly number[] = []): string {
  for (let i = 0; i < expected.values.length; i += 1) {
    const r = expected.values[i]!;
    const d = Math.abs(difference(actual[i]!, r, angles.includes(i)));
    const bound = TOLERANCE * Math.max(scale[i]!, Math.abs(r)) + SPREAD_MULTIPLE * expected.spread[i]!;
    if (!(d <= bound)) return `[${i}] ${actual[i]} vs ${r} (allowed ±${bound.toExponential(2)})`;
  }
  return '';
}

/** The reference step from `state`, with the spread of its state, observation and reward. */
function expectStep(envCase: EnvCase, state: readonly number[], action: Action) {
  const ref = envCase.step(state, action);
  const obs = envCase.obs(ref.state);
  const spread = { state: ref.state.map(() => 0), obs: obs.map(() => 0), reward: [0] };
  state.forEach((entry, j) => {
    for (const sign of [-1, 1]) {
      const moved = [...state];
      moved[j] = entry * (1 + sign * 2 ** -23);
      const other = envCase.step(moved, action);
      const otherObs = envCase.obs(other.state);
      ref.state.forEach((r, i) => (spread.state[i] = Math.max(spread.state[i]!, Math.abs(difference(other.state[i]!, r, envCase.angles.includes(i))))));
      obs.forEach((r, i) => (spread.obs[i] = Math.max(spread.obs[i]!, Math.abs(otherObs[i]! - r))));
      spread.reward[0] = Math.max(spread.reward[0]!, Math.abs(other.reward - ref.reward));
    }
  });
  return {
    ref,
    state: { values: ref.state, spread: spread.state },
    obs: { values: obs, spread: spread.obs },
    reward: { values: [ref.reward], spread: spread.reward },
  };
}

function stateGap(actual: ArrayLike<number>, expected: readonly number[], angles: readonly number[]): number {
  return Math.max(...expected.map((r, i) => Math.abs(difference(actual[i]!, r, angles.includes(i)))));
}

/** Host arrays of `count` actions: u32 for a discrete env, f32 for a box. */
function packActions(env: EnvDescriptor, actions: readonly Action[]): Uint32Array | Float32Array {
  return env.actionSpace.kind === 'discrete' ? Uint32Array.from(actions as number[]) : Float32Array.from((actions as number[][]).flat());
}

describe.each(CASES)('$env.id on the GPU', (envCase) => {
  const gpu = useGpu();
  const { env } = envCase;
  const stateSize = env.stateNames.length;
  const obsSize = env.observationSpace.size;

  async function withEnv<T>(numEnvs: number, seed: number, work: (vectorEnv: VectorEnv) => Promise<T>): Promise<T> {
    const vectorEnv = await createVectorEnv(gpu().device, env, { numEnvs, seed });
    try {
      return await gpuStep(gpu(), env.id, () => work(vectorEnv));
    } finally {
      vectorEnv.destroy();
    }
  }

  function submit(vectorEnv: VectorEnv, encode: (encoder: GPUCommandEncoder) => void) {
    const { device } = gpu();
    const encoder = device.createCommandEncoder({ label: `test.${env.id}` });
    encode(encoder);
    device.queue.submit([encoder.finish()]);
  }

  /** Steps every env once from `states` with `actions`; outputs are poisoned first. */
  async function stepFrom(vectorEnv: VectorEnv, states: Float32Array, actions: readonly Action[]) {
    const { queue } = gpu().device;
    const n = vectorEnv.numEnvs;
    submit(vectorEnv, (e) => vectorEnv.encodeReset(e));
    vectorEnv.writeStates(states);
    vectorEnv.writeActions(packActions(env, actions));
    const b = vectorEnv.buffers;
    queue.writeBuffer(b.nextStates, 0, new Float32Array(n * stateSize).fill(POISON_F32));
    queue.writeBuffer(b.finalObservations, 0, new Float32Array(n * obsSize).fill(POISON_F32));
    queue.writeBuffer(b.rewards, 0, new Float32Array(n).fill(POISON_F32));
    queue.writeBuffer(b.terminated, 0, new Uint32Array(n).fill(POISON_U32));
    queue.writeBuffer(b.truncated, 0, new Uint32Array(n).fill(POISON_U32));
    submit(vectorEnv, (e) => vectorEnv.encodeStep(e));
    return vectorEnv.read();
  }

  it('single steps from 10 000 random states and actions match the float64 reference', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const n = 10_000;
    const states = new Float32Array(n * stateSize);
    const actions: Action[] = [];
    for (let i = 0; i < n; i += 1) {
      states.set(envCase.randomState(random), i * stateSize);
      actions.push(envCase.randomAction(random));
    }
    const out = await withEnv(n, seed, (vectorEnv) => stepFrom(vectorEnv, states, actions));

    const obsScales = obsScale(env);
    const failures: string[] = [];
    let nearThreshold = 0;
    let terminations = 0;
    for (let i = 0; i < n; i += 1) {
      const state = [...states.subarray(i * stateSize, (i + 1) * stateSize)];
      const expected = expectStep(envCase, state, actions[i]!);
      const { ref } = expected;
      const where = `env ${i} from [${state}] action ${JSON.stringify(actions[i])}`;
      if (out.terminated[i]! > 1 || out.truncated[i] !== 0) failures.push(`${where}: flags not written (${out.terminated[i]}, ${out.truncated[i]})`);
      if (ref.margin < envCase.near) {
        nearThreshold += 1;
        continue;
      }
      if (ref.terminated) terminations += 1;
      const next = out.nextStates.subarray(i * stateSize, (i + 1) * stateSize);
      const finalObs = out.finalObservations.subarray(i * obsSize, (i + 1) * obsSize);
      const problems = [
        ['state', mismatch(next, expected.state, envCase.stateScale, envCase.angles)],
        ['obs', mismatch(finalObs, expected.obs, obsScales)],
        ['reward', mismatch([out.rewards[i]!], expected.reward, [1])],
        ['terminated', (out.terminated[i] === 1) === ref.terminated ? '' : `${out.terminated[i]} vs ${ref.terminated}`],
      ].filter(([, problem]) => problem !== '');
      // An env that did not end keeps stepping from its next state: its observation is that state's.
      if (!ref.terminated && mismatch(out.observations.subarray(i * obsSize, (i + 1) * obsSize), expected.obs, obsScales)) {
        problems.push(['observations', 'not the next state\'s']);
      }
      for (const [what, problem] of problems) failures.push(`${where}: ${what} ${problem}`);
    }
    expect(failures.slice(0, 5), `seed ${seed}: ${failures.length} mismatches`).toEqual([]);
    expect(nearThreshold, `seed ${seed}: samples within ${envCase.near} of a threshold`).toBeLessThanOrEqual(n / 1000);
    if (envCase.minTerminatedFraction > 0) expect(terminations, `seed ${seed}: terminating samples`).toBeGreaterThan(0);
    else expect(terminations).toBe(0);
  });

  it('100-step rollouts agree with the reference on termination times', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const n = 257;
    const { device } = gpu();
    const initial = new Float32Array(n * stateSize);
    for (let i = 0; i < n; i += 1) initial.set(envCase.randomState(random), i * stateSize);

    const result = await withEnv(n, seed, async (vectorEnv) => {
      submit(vectorEnv, (e) => vectorEnv.encodeReset(e));
      vectorEnv.writeStates(initial);
      const refStates = Array.from({ length: n }, (_, i) => [...initial.subarray(i * stateSize, (i + 1) * stateSize)]);
      const gpuStates = refStates.map((s) => [...s]);
      const gapBefore = new Array<number>(n).fill(0);
      const live = new Array<boolean>(n).fill(true);
      const failures: string[] = [];
      let agreed = 0;
      let explained = 0;
      let largestGap = 0;
      for (let t = 0; t < 100; t += 1) {
        const actions = refStates.map((s) => envCase.policy(s, random));
        vectorEnv.writeActions(packActions(env, actions));
        submit(vectorEnv, (e) => vectorEnv.encodeStep(e));
        const next = new Float32Array(await readBufferOnce(device, vectorEnv.buffers.nextStates));
        const terminated = new Uint32Array(await readBufferOnce(device, vectorEnv.buffers.terminated));
        for (let i = 0; i < n; i += 1) {
          if (!live[i]) continue;
          const gpuNext = [...next.subarray(i * stateSize, (i + 1) * stateSize)];
          const where = `env ${i} step ${t}`;
          // The GPU's step from its own previous state matches the reference's step from it.
          const check = expectStep(envCase, gpuStates[i]!, actions[i]!);
          const stepProblem = check.ref.margin < envCase.near ? '' : mismatch(gpuNext, check.state, envCase.stateScale, envCase.angles);
          if (stepProblem) failures.push(`${where}: state ${stepProblem}`);

          const ref = envCase.step(refStates[i]!, actions[i]!);
          const gap = stateGap(gpuNext, ref.state, envCase.angles);
          largestGap = Math.max(largestGap, gap);
          const gpuTerminated = terminated[i] === 1;
          if (gpuTerminated || ref.terminated) {
            live[i] = false;
            if (gpuTerminated === ref.terminated) agreed += 1;
            else if (ref.margin <= envCase.lipschitz * Math.max(gap, gapBefore[i]!) + envCase.near) explained += 1;
            else failures.push(`${where}: terminated GPU ${gpuTerminated}, reference ${ref.terminated} (margin ${ref.margin}, gap ${gap})`);
          }
          refStates[i] = ref.state;
          gpuStates[i] = gpuNext;
          gapBefore[i] = gap;
        }
      }
      return { failures, agreed, explained, largestGap };
    });
    const what = `seed ${seed}: ${result.agreed} agreed, ${result.explained} explained by float32 drift (largest state gap ${result.largestGap.toExponential(2)})`;
    console.log(`[${env.id} rollout] ${what}`);
    expect(result.failures.slice(0, 5), what).toEqual([]);
    expect(result.explained, what).toBeLessThanOrEqual(Math.max(2, 0.05 * n));
    if (envCase.minTerminatedFraction > 0) expect(result.agreed, what).toBeGreaterThanOrEqual(envCase.minTerminatedFraction * n);
    else expect(result.agreed + result.explained, what).toBe(0);
  });

  it('10^5 resets follow the reset distribution (exact Philox replay, range, mean within 4 SE)', async () => {
    const seed = freshSeed();
    const n = 100_000;
    const states = await withEnv(n, seed, async (vectorEnv) => {
      submit(vectorEnv, (e) => vectorEnv.encodeReset(e));
      return (await vectorEnv.read()).states;
    });
    // The first envs replayed draw for draw: counter (block, env, ENV_RESET_PHASE, episode 0).
    const replayed = 500;
    for (let i = 0; i < replayed; i += 1) {
      const words = rngBlock({ seed, stream: ENV_STREAM, iteration: 0, step: ENV_RESET_PHASE, draw: 0 }, i);
      let draw = 0;
      envCase.reset.forEach((spec, k) => {
        const expected = typeof spec === 'number' ? spec : spec[0] + (spec[1] - spec[0]) * uniformFromBits(words[draw++]!);
        expect(Math.abs(states[i * stateSize + k]! - expected), `seed ${seed}: env ${i} state[${k}]`).toBeLessThanOrEqual(1e-6);
      });
    }
    envCase.reset.forEach((spec, k) => {
      const column = Float64Array.from({ length: n }, (_, i) => states[i * stateSize + k]!);
      if (typeof spec === 'number') {
        expect(column.every((v) => v === spec), `state[${k}] constant`).toBe(true);
        return;
      }
      const [low, high] = spec;
      const slack = 1e-6 * Math.max(1, Math.abs(low), Math.abs(high));
      expect(column.every((v) => v >= low - slack && v <= high + slack), `seed ${seed}: state[${k}] in [${low}, ${high}]`).toBe(true);
      const { mean, variance } = meanAndVariance(column);
      const width = high - low;
      const standardError = width / Math.sqrt(12 * n);
      expect(Math.abs(mean - (low + high) / 2), `seed ${seed}: state[${k}] mean ${mean}`).toBeLessThanOrEqual(4 * standardError);
      // Var of a U(low, high) sample variance: (width²/12)²·(4/5)/n (fourth central moment width⁴/80).
      const varianceError = ((width * width) / 12) * Math.sqrt(0.8 / n);
      expect(Math.abs(variance - (width * width) / 12), `seed ${seed}: state[${k}] variance`).toBeLessThanOrEqual(4 * varianceError);
    });
  });

  if (env.actionSpace.kind === 'box') {
    const { low, high } = env.actionSpace;
    it('an action outside the box is clipped by the wrapper before the env sees it', async () => {
      const seed = freshSeed();
      const random = seededRandom(seed);
      const n = 64;
      // Pendulum clips ±2 itself; raising its own limit leaves the wrapper's clip as the only one.
      const params = env.id === 'Pendulum-v1' ? { max_torque: 10 } : {};
      const states = new Float32Array(n * stateSize);
      const actions: number[][] = [];
      for (let i = 0; i < n; i += 1) {
        states.set(envCase.randomState(random), i * stateSize);
        // Half below, half above the box, by up to 3 box widths.
        const width = high[0]! - low[0]!;
        actions.push([i % 2 === 0 ? low[0]! - width * uniformIn(random, 0.1, 3) : high[0]! + width * uniformIn(random, 0.1, 3)]);
      }
      const out = await withEnv(n, seed, async (vectorEnv) => {
        vectorEnv.setParams(params);
        return stepFrom(vectorEnv, states, actions);
      });
      for (let i = 0; i < n; i += 1) {
        const state = [...states.subarray(i * stateSize, (i + 1) * stateSize)];
        const clipped = [Math.min(Math.max(actions[i]![0]!, low[0]!), high[0]!)];
        const expected = expectStep(envCase, state, clipped);
        if (expected.ref.margin < envCase.near) continue;
        const where = `seed ${seed}: env ${i} action ${actions[i]} (clipped ${clipped})`;
        expect(mismatch(out.nextStates.subarray(i * stateSize, (i + 1) * stateSize), expected.state, envCase.stateScale), where).toBe('');
        expect(mismatch([out.rewards[i]!], expected.reward, [1]), `${where}: reward`).toBe('');
      }
    });
  }
});
