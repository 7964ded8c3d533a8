/**
 * Catch-v0 on a real device through the generic wrapper, against the float64 reference
 * (test/reference/envs/catch.ts) with the wrapper's draws replayed on the CPU
 * (test/reference/envs/env-rng.ts): single steps from 10 000 random states, the reset distribution
 * over 10^5 resets, and 100-step rollouts with auto-reset. Output buffers are poisoned before each
 * run, so an element the GPU did not write fails the comparison.
 *
 * Threshold rule: a step's discrete outcome (wall bounce, landing, catch) may differ between f32 and
 * float64 only when the deciding quantity is within EVENT_MARGIN of its threshold (the reference
 * reports the smallest such distance as `events.margin`); such transitions are counted and skipped,
 * and there must be few of them.
 */
import { describe, expect, it } from 'vitest';
import { readBufferOnce } from '../../src/gpu/index';
import { catchEnv } from '../../src/envs/builtin/catch';
import { createHostVectorEnv, type HostEnv } from '../../src/envs/host-env';
import { createVectorEnv, type VectorEnv } from '../../src/envs/vector-env';
import {
  CATCH_DEFAULTS,
  catchObs,
  catchReset,
  catchStep,
  stateFromArray,
  stateToArray,
  type CatchState,
  type Uniform,
} from '../reference/envs/catch';
import { envUniforms, resetUniforms } from '../reference/envs/env-rng';
import { freshSeed, seededRandom } from '../support/random';
import { gpuStep, useGpu } from '../support/gpu';

const STATE = 7;
const OBS = 7;
const TOLERANCE = 1e-5;
// f32 rounding of a step is ~1e-7; over a 100-step rollout it accumulates to ~1e-5.
const EVENT_MARGIN = 1e-5;
const ROLLOUT_MARGIN = 1e-4;
const NAN_BITS = 0x7fc00000;
const POISON_U32 = 0xdeadbeef;

const replay = (values: number[]): Uniform => {
  let i = 0;
  return () => values[i++]!;
};

function closeEnough(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
}

/** Fills every output buffer of the env with NaN (floats) or 0xDEADBEEF (u32). */
function poisonOutputs(device: GPUDevice, envs: VectorEnv): void {
  const b = envs.buffers;
  const fill = (buffer: GPUBuffer, word: number) => device.queue.writeBuffer(buffer, 0, new Uint32Array(buffer.size / 4).fill(word));
  for (const buffer of [b.nextStates, b.rewards, b.finalObservations, b.episodeReturns]) fill(buffer, NAN_BITS);
  for (const buffer of [b.terminated, b.truncated, b.episodeLengths]) fill(buffer, POISON_U32);
}

/** A random state in the game's domain, biased so that landings and wall bounces are common. */
function randomState(random: () => number): CatchState {
  const p = CATCH_DEFAULTS;
  const between = (low: number, high: number) => low + (high - low) * random();
  const height = () => (random() < 0.5 ? between(0.001, 0.08) : between(0.001, 1));
  return {
    paddleX: between(-1 + p.paddleHalfWidth, 1 - p.paddleHalfWidth),
    fruitX: random() < 0.2 ? between(0.97, 1) * (random() < 0.5 ? -1 : 1) : between(-1, 1),
    fruitY: height(),
    fruitVx: between(-p.fruitMaxDrift, p.fruitMaxDrift),
    bombX: between(-1, 1),
    bombY: height(),
    lives: 1 + Math.floor(random() * 3),
  };
}

describe('Catch-v0 on the GPU', () => {
  const gpu = useGpu();

  it('single steps from 10 000 random states and actions match the reference (state, obs, reward, terminated, reset)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 10_000;
    const envs = await createVectorEnv(device, catchEnv, { numEnvs, seed });
    try {
      // Rounded to f32 first: the reference starts from exactly the states the GPU reads.
      const states = Float32Array.from({ length: numEnvs * STATE }, () => 0);
      for (let n = 0; n < numEnvs; n += 1) states.set(stateToArray(randomState(random)), n * STATE);
      const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
      const out = await gpuStep(gpu(), 'catch single step', async () => {
        const encoder = device.createCommandEncoder({ label: 'test.catch.reset' });
        envs.encodeReset(encoder); // step count 0 and episode 0 for every env
        device.queue.submit([encoder.finish()]);
        envs.writeStates(states);
        envs.writeActions(actions);
        poisonOutputs(device, envs);
        const stepEncoder = device.createCommandEncoder({ label: 'test.catch.step' });
        envs.encodeStep(stepEncoder);
        device.queue.submit([stepEncoder.finish()]);
        return envs.read();
      });
      let nearThreshold = 0;
      let landings = 0;
      let endings = 0;
      const wrong: string[] = [];
      for (let n = 0; n < numEnvs; n += 1) {
        const before = stateFromArray(states, n * STATE);
        const expected = catchStep(before, actions[n]!, replay(envUniforms(seed, n, 0, 0, 3)));
        if (expected.events.margin < EVENT_MARGIN) {
          nearThreshold += 1;
          continue;
        }
        if (expected.events.fruitLanded || expected.events.bombLanded) landings += 1;
        const report = (what: string, actual: unknown, wanted: unknown) =>
          wrong.length < 10 && wrong.push(`env ${n} (state ${stateToArray(before).join(', ')}, action ${actions[n]}): ${what} ${actual} vs ${wanted}`);
        const nextState = stateToArray(expected.state);
        nextState.forEach((v, i) => {
          if (!closeEnough(out.nextStates[n * STATE + i]!, v)) report(`nextState[${i}]`, out.nextStates[n * STATE + i], v);
        });
        catchObs(expected.state).forEach((v, i) => {
          if (!closeEnough(out.finalObservations[n * OBS + i]!, v)) report(`finalObservation[${i}]`, out.finalObservations[n * OBS + i], v);
        });
        if (!closeEnough(out.rewards[n]!, expected.reward)) report('reward', out.rewards[n], expected.reward);
        if (out.terminated[n] !== Number(expected.terminated)) report('terminated', out.terminated[n], expected.terminated);
        if (out.truncated[n] !== 0) report('truncated', out.truncated[n], 0);
        // An ended episode: its statistics, and a fresh reset from episode 1's draws.
        const current = expected.terminated ? catchReset(replay(resetUniforms(seed, n, 1, 4))) : expected.state;
        if (expected.terminated) {
          endings += 1;
          if (!closeEnough(out.episodeReturns[n]!, expected.reward)) report('episodeReturn', out.episodeReturns[n], expected.reward);
          if (out.episodeLengths[n] !== 1) report('episodeLength', out.episodeLengths[n], 1);
        }
        stateToArray(current).forEach((v, i) => {
          if (!closeEnough(out.states[n * STATE + i]!, v)) report(`state after auto-reset [${i}]`, out.states[n * STATE + i], v);
        });
        catchObs(current).forEach((v, i) => {
          if (!closeEnough(out.observations[n * OBS + i]!, v)) report(`observation[${i}]`, out.observations[n * OBS + i], v);
        });
      }
      const note = `seed ${seed}`;
      expect(wrong, note).toEqual([]);
      expect(nearThreshold, `${note}: transitions within ${EVENT_MARGIN} of a threshold`).toBeLessThan(10);
      // The sample must exercise the events: landings (catch, miss, bomb) and terminations.
      expect(landings, note).toBeGreaterThan(2000);
      expect(endings, note).toBeGreaterThan(200);
    } finally {
      envs.destroy();
    }
  });

  it('resets follow the documented distributions (10^5 resets), replaying the reference exactly', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const numEnvs = 100_000;
    const envs = await createVectorEnv(device, catchEnv, { numEnvs, seed });
    try {
      const states = await gpuStep(gpu(), 'catch reset', async () => {
        device.queue.writeBuffer(envs.buffers.states, 0, new Uint32Array(numEnvs * STATE).fill(NAN_BITS));
        const encoder = device.createCommandEncoder({ label: 'test.catch.reset' });
        envs.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        return new Float32Array(await readBufferOnce(device, envs.buffers.states));
      });
      const p = CATCH_DEFAULTS;
      // [low, high, mean, variance] of each field's distribution (a constant has variance 0).
      const uniform = (low: number, high: number) => [low, high, (low + high) / 2, (high - low) ** 2 / 12] as const;
      const expected = [
        [0, 0, 0, 0],
        uniform(-1, 1),
        [1, 1, 1, 0],
        uniform(-p.fruitMaxDrift, p.fruitMaxDrift),
        uniform(-1, 1),
        uniform(0.5, 1),
        [3, 3, 3, 0],
      ] as const;
      const note = `seed ${seed}`;
      expected.forEach(([low, high, mean, variance], field) => {
        let sum = 0;
        for (let n = 0; n < numEnvs; n += 1) {
          const v = states[n * STATE + field]!;
          if (!(v >= low && v <= high)) throw new Error(`${note}: env ${n} ${catchEnv.stateNames[field]} = ${v} outside [${low}, ${high}]`);
          sum += v;
        }
        const standardError = Math.sqrt(variance / numEnvs);
        expect(Math.abs(sum / numEnvs - mean), `${note}: mean of ${catchEnv.stateNames[field]}`).toBeLessThanOrEqual(4 * standardError + 1e-7);
      });
      // Exact replay of the first 1 000 envs' draws (episode 0).
      for (let n = 0; n < 1000; n += 1) {
        const reference = stateToArray(catchReset(replay(resetUniforms(seed, n, 0, 4))));
        reference.forEach((v, i) => expect(closeEnough(states[n * STATE + i]!, v), `${note}: env ${n} field ${i}: ${states[n * STATE + i]} vs ${v}`).toBe(true));
      }
    } finally {
      envs.destroy();
    }
  });

  it('100-step rollouts with random actions agree with the reference on states, rewards and termination times', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 256;
    const steps = 100;
    const envs = await createVectorEnv(device, catchEnv, { numEnvs, seed });
    // Each env's float64 trajectory, followed independently (never re-synchronised with the GPU).
    const reference = Array.from({ length: numEnvs }, (_, n) => ({
      state: catchReset(replay(resetUniforms(seed, n, 0, 4))),
      episode: 0,
      stepCount: 0,
      minMargin: Infinity,
      diverged: false,
    }));
    let explained = 0;
    let terminations = 0;
    const wrong: string[] = [];
    try {
      await gpuStep(gpu(), 'catch rollout', async () => {
        const encoder = device.createCommandEncoder({ label: 'test.catch.reset' });
        envs.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        for (let t = 0; t < steps; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
          envs.writeActions(actions);
          poisonOutputs(device, envs);
          const stepEncoder = device.createCommandEncoder({ label: 'test.catch.step' });
          envs.encodeStep(stepEncoder);
          device.queue.submit([stepEncoder.finish()]);
          const terminated = new Uint32Array(await readBufferOnce(device, envs.buffers.terminated));
          const rewards = new Float32Array(await readBufferOnce(device, envs.buffers.rewards));
          const nextStates = new Float32Array(await readBufferOnce(device, envs.buffers.nextStates));
          for (let n = 0; n < numEnvs; n += 1) {
            const r = reference[n]!;
            if (r.diverged) continue;
            const step = catchStep(r.state, actions[n]!, replay(envUniforms(seed, n, r.stepCount, r.episode, 3)));
            r.minMargin = Math.min(r.minMargin, step.events.margin);
            const stateError = Math.max(...stateToArray(step.state).map((v, i) => Math.abs(nextStates[n * STATE + i]! - v)));
            const agree = terminated[n] === Number(step.terminated) && Math.abs(rewards[n]! - step.reward) <= 1e-4 && stateError <= 1e-4;
            if (!agree) {
              r.diverged = true;
              if (r.minMargin < ROLLOUT_MARGIN) explained += 1;
              else wrong.push(`env ${n}, step ${t}: terminated ${terminated[n]} vs ${step.terminated}, reward ${rewards[n]} vs ${step.reward}, state error ${stateError}`);
              continue;
            }
            r.stepCount += 1;
            r.state = step.state;
            if (step.terminated) {
              terminations += 1;
              r.episode += 1;
              r.stepCount = 0;
              r.minMargin = Infinity;
              r.state = catchReset(replay(resetUniforms(seed, n, r.episode, 4)));
            }
          }
        }
      });
      const note = `seed ${seed}`;
      expect(wrong.slice(0, 10), note).toEqual([]);
      expect(explained, `${note}: divergences explained by a threshold within ${ROLLOUT_MARGIN}`).toBeLessThan(5);
      // A random paddle loses its lives in ~90 steps: most envs end an episode within 100 steps.
      expect(terminations, note).toBeGreaterThan(numEnvs / 4);
    } finally {
      envs.destroy();
    }
  });

  it('a JavaScript port through the host adapter replays the GPU env from the same seed (64 envs × 60 steps, limit 25)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 64;
    const limit = 25;
    // The float64 reference as a host game; it records how close each env has come to a threshold.
    const states: CatchState[] = [];
    const minMargins = new Array<number>(numEnvs).fill(Infinity);
    const port: HostEnv = {
      name: 'catch-js',
      observationSize: OBS,
      actionSpace: catchEnv.actionSpace,
      maxEpisodeSteps: limit,
      reset(env, u) {
        states[env] = catchReset(u);
        return catchObs(states[env]!);
      },
      step(env, action, u) {
        const step = catchStep(states[env]!, action as number, u);
        minMargins[env] = Math.min(minMargins[env]!, step.events.margin);
        states[env] = step.state;
        return { observation: catchObs(step.state), reward: step.reward, terminated: step.terminated };
      },
    };
    const gpuEnvs = await createVectorEnv(device, catchEnv, { numEnvs, seed, maxEpisodeSteps: limit });
    const hostEnvs = await createHostVectorEnv(device, port, { numEnvs, seed });
    const excluded = new Set<number>();
    const wrong: string[] = [];
    let endings = 0;
    try {
      await gpuStep(gpu(), 'catch host port', async () => {
        const encoder = device.createCommandEncoder({ label: 'test.catch.reset' });
        gpuEnvs.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        hostEnvs.reset();
        for (let t = 0; t < 60; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
          gpuEnvs.writeActions(actions);
          hostEnvs.writeActions(actions);
          const stepEncoder = device.createCommandEncoder({ label: 'test.catch.step' });
          gpuEnvs.encodeStep(stepEncoder);
          device.queue.submit([stepEncoder.finish()]);
          await hostEnvs.step();
          const onGpu = await gpuEnvs.read();
          const onHost = hostEnvs.latest;
          for (let n = 0; n < numEnvs; n += 1) {
            if (excluded.has(n)) continue;
            const mismatches: string[] = [];
            for (const field of ['terminated', 'truncated', 'episodeLengths', 'stepCounts', 'episodeIndices'] as const) {
              if (onGpu[field][n] !== onHost[field][n]) mismatches.push(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            for (const field of ['rewards', 'episodeReturns'] as const) {
              if (Math.abs(onGpu[field][n]! - onHost[field][n]!) > 1e-4) mismatches.push(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            for (const field of ['observations', 'finalObservations'] as const) {
              for (let i = 0; i < OBS; i += 1) {
                const a = onGpu[field][n * OBS + i]!;
                const b = onHost[field][n * OBS + i]!;
                if (Math.abs(a - b) > 1e-4) mismatches.push(`${field}[${i}] ${a} vs ${b}`);
              }
            }
            if (mismatches.length === 0) {
              endings += onHost.terminated[n]! | onHost.truncated[n]!;
              continue;
            }
            excluded.add(n);
            if (minMargins[n]! >= ROLLOUT_MARGIN) wrong.push(`env ${n}, step ${t}: ${mismatches.join('; ')}`);
          }
        }
      });
      const note = `seed ${seed}`;
      expect(wrong.slice(0, 10), note).toEqual([]);
      expect(excluded.size, `${note}: envs that diverged near a threshold`).toBeLessThan(4);
      expect(endings, `${note}: episodes ended (terminated or truncated)`).toBeGreaterThan(numEnvs);
    } finally {
      gpuEnvs.destroy();
      hostEnvs.destroy();
    }
  });
});
