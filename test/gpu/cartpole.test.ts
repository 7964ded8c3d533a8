/**
 * CartPole-v1 on the GPU against the float64 reference (test/reference/envs/cartpole.ts):
 * single steps from 10 000 random states, 100-step rollouts (termination times), 10^5 resets,
 * truncation at the step limit, and 4 096 / 65 536 envs spot-checked. Outputs are poisoned before
 * each run and checked written. Seeds are fresh each run and printed in every failure message.
 *
 * Tolerance: a state or observation component matches when |gpu − ref| ≤ 1e-5·max(1, |ref|), i.e.
 * 1e-5 relative for components of magnitude ≥ 1 and 1e-5 absolute below (CartPole's state is
 * O(1): a component near 0 is a difference of O(1) terms, whose f32 rounding is absolute).
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, type VectorEnv } from '../../src/envs/index';
import { CARTPOLE_CONSTANTS, cartPoleReset, cartPoleStep } from '../reference/envs/cartpole';
import { resetUniforms } from '../reference/envs/env-rng';
import { meanAndVariance } from '../support/statistics';
import { freshSeed, seededRandom } from '../support/random';
import { useGpu } from '../support/gpu';
import { poisonStepOutputs, reset, row, step, unwrittenStepOutputs } from '../support/vector-env';

const TOLERANCE = 1e-5;
const close = (gpu: number, ref: number) => Math.abs(gpu - ref) <= TOLERANCE * Math.max(1, Math.abs(ref));
/** A float32 step may decide `terminated` differently from float64 only this close to a threshold (relative). */
const THRESHOLD_EPSILON = 1e-5;

/** Random states over the region CartPole visits, edges of the termination box included. */
function randomStates(random: () => number, count: number): Float32Array {
  const spans = [2.5, 3, 0.22, 3.5];
  return Float32Array.from({ length: 4 * count }, (_, i) => (2 * random() - 1) * spans[i % 4]!);
}

describe('CartPole-v1 on the GPU', () => {
  const gpu = useGpu();

  it('matches the reference on single steps from 10 000 random states and actions (state, obs, reward, terminated)', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 10_000;
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed });
    try {
      await reset(gpu(), env);
      const states = randomStates(random, numEnvs);
      const actions = Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1));
      env.writeStates(states);
      env.writeActions(actions);
      poisonStepOutputs(gpu(), env);
      await step(gpu(), env);
      const out = await env.read();
      const context = `seed ${seed}`;
      expect(unwrittenStepOutputs(out), `${context}: outputs left unwritten`).toEqual(
        Object.fromEntries(Object.keys(unwrittenStepOutputs(out)).map((k) => [k, 0])),
      );

      let wrong = 0;
      let flagWrong = 0;
      let flagExplained = 0;
      let terminations = 0;
      let worst = 0;
      const firstWrong: string[] = [];
      for (let n = 0; n < numEnvs; n += 1) {
        const ref = cartPoleStep(row(states, n, 4), actions[n]!);
        const next = row(out.nextStates, n, 4);
        const finalObs = row(out.finalObservations, n, 4);
        const gpuTerminated = out.terminated[n] === 1;
        for (let i = 0; i < 4; i += 1) {
          worst = Math.max(worst, Math.abs(next[i]! - ref.state[i]!) / Math.max(1, Math.abs(ref.state[i]!)));
          if (!close(next[i]!, ref.state[i]!) || !close(finalObs[i]!, ref.state[i]!)) {
            wrong += 1;
            if (firstWrong.length < 3) firstWrong.push(`env ${n} [${i}]: gpu ${next[i]} obs ${finalObs[i]} ref ${ref.state[i]}`);
          }
        }
        if (out.rewards[n] !== 1) wrong += 1;
        if (out.truncated[n] !== 0) wrong += 1;
        if (gpuTerminated !== ref.terminated) {
          if (ref.margin < THRESHOLD_EPSILON) flagExplained += 1;
          else flagWrong += 1;
        }
        if (gpuTerminated) terminations += 1;
        // An env that did not end keeps its new state as its observation; one that ended was reset.
        const observation = row(out.observations, n, 4);
        if (!gpuTerminated && observation.some((v, i) => v !== next[i])) wrong += 1;
      }
      console.log(`[cartpole] single step: worst error ${worst.toExponential(2)}, ${terminations} terminations, ${flagExplained} threshold ties`);
      expect(wrong, `${context}: mismatches, first: ${firstWrong.join('; ')}`).toBe(0);
      expect(flagWrong, `${context}: terminated flags unlike the reference away from a threshold`).toBe(0);
      expect(terminations, `${context}: the random states should cross the thresholds often`).toBeGreaterThan(500);
    } finally {
      env.destroy();
    }
  });

  it('agrees with the reference on termination times over 100-step rollouts, except where float32 drift reaches a threshold', async () => {
    // How a disagreement is explained: the reference follows each GPU episode in float64 from the
    // GPU's own reset state with the same actions; `drift` is the largest deviation so far of the
    // GPU's state from it, in units of the thresholds (max(|Δx|/2.4, |Δθ|/θ_max)). When the two
    // first disagree on `terminated`, the disagreement is explained iff the reference state was
    // within 2·drift + 1e-6 of a threshold (relative): the GPU's state was no further from it than
    // the drift float32 rounding had already caused. Otherwise the test fails.
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 256;
    const steps = 100;
    const env = await createVectorEnv(gpu().device, 'cartpole', { numEnvs, seed });
    try {
      await reset(gpu(), env);
      let gpuStates = (await env.read()).states;
      const reference = Array.from({ length: numEnvs }, (_, n) => ({ state: row(gpuStates, n, 4), drift: 0, diverged: false }));
      let agreedEpisodes = 0;
      const disagreements: { n: number; t: number; margin: number; drift: number }[] = [];
      for (let t = 0; t < steps; t += 1) {
        const actions = Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1));
        env.writeActions(actions);
        await step(gpu(), env);
        const out = await env.read();
        for (let n = 0; n < numEnvs; n += 1) {
          const shadow = reference[n]!;
          const gpuTerminated = out.terminated[n] === 1;
          const next = row(out.nextStates, n, 4);
          if (!shadow.diverged) {
            const ref = cartPoleStep(shadow.state, actions[n]!);
            shadow.drift = Math.max(
              shadow.drift,
              Math.abs(next[0]! - ref.state[0]!) / CARTPOLE_CONSTANTS.x_threshold,
              Math.abs(next[2]! - ref.state[2]!) / CARTPOLE_CONSTANTS.theta_threshold_radians,
            );
            if (ref.terminated !== gpuTerminated) {
              disagreements.push({ n, t, margin: ref.margin, drift: shadow.drift });
              shadow.diverged = true;
            } else if (gpuTerminated) agreedEpisodes += 1;
            shadow.state = ref.state;
          }
          expect(out.truncated[n], `seed ${seed}: truncated before the limit`).toBe(0);
          if (gpuTerminated) reference[n] = { state: row(out.states, n, 4), drift: 0, diverged: false };
        }
        gpuStates = out.states;
      }
      const unexplained = disagreements.filter((d) => !(d.margin <= 2 * d.drift + 1e-6));
      console.log(
        `[cartpole] rollouts: ${agreedEpisodes} episodes ended at the same step, ${disagreements.length} explained by float32 drift ` +
          `(${disagreements.map((d) => `env ${d.n} t ${d.t} margin ${d.margin.toExponential(1)} drift ${d.drift.toExponential(1)}`).join('; ')})`,
      );
      expect(unexplained, `seed ${seed}: termination times unlike the reference, unexplained`).toEqual([]);
      expect(agreedEpisodes, `seed ${seed}: random CartPole episodes last ~20 steps`).toBeGreaterThan(numEnvs);
      expect(disagreements.length, `seed ${seed}: too many threshold ties`).toBeLessThanOrEqual(Math.max(3, agreedEpisodes / 100));
    } finally {
      env.destroy();
    }
  });

  it('resets to U(−0.05, 0.05)⁴ (range, mean and variance over 10^5 resets; draws as the env RNG reference predicts)', async () => {
    const seed = freshSeed();
    const numEnvs = 100_000;
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed });
    try {
      gpu().device.queue.writeBuffer(env.buffers.states, 0, new Float32Array(4 * numEnvs).fill(Number.NaN));
      await reset(gpu(), env);
      const { states, observations, stepCounts, episodeIndices } = await env.read();
      const context = `seed ${seed}`;
      for (let i = 0; i < 4; i += 1) {
        const values = Array.from({ length: numEnvs }, (_, n) => states[4 * n + i]!);
        const outside = values.filter((v) => !(v >= -0.05 && v <= 0.05)).length; // NaN counts as outside
        expect(outside, `${context}: component ${i} outside [−0.05, 0.05] or unwritten`).toBe(0);
        const { mean, variance } = meanAndVariance(values);
        // U(−a, a): variance a²/3, Var(v²) = a⁴/5 − a⁴/9 = 4a⁴/45.
        const a = 0.05;
        expect(Math.abs(mean), `${context}: |mean| of component ${i}`).toBeLessThan(4 * Math.sqrt(a * a / 3 / numEnvs));
        expect(Math.abs(variance - (a * a) / 3), `${context}: variance of component ${i}`).toBeLessThan(4 * Math.sqrt((4 * a ** 4) / 45 / numEnvs));
      }
      expect([...observations.subarray(0, 400)]).toEqual([...states.subarray(0, 400)]);
      expect(stepCounts.every((c) => c === 0) && episodeIndices.every((e) => e === 0)).toBe(true);
      // The draws themselves: env n's first reset is episode 0 of its Philox stream.
      for (const n of [0, 1, 77, 4095, 65_535, numEnvs - 1]) {
        const expected = cartPoleReset(resetUniforms(seed, n, 0, 4));
        row(states, n, 4).forEach((v, i) => expect(Math.abs(v - expected[i]!), `${context}: env ${n} [${i}]`).toBeLessThan(1e-8));
      }
    } finally {
      env.destroy();
    }
  });

  it('truncates at 500 steps: truncated, not terminated; the final observation kept; a fresh reset observed next', async () => {
    const seed = freshSeed();
    const numEnvs = 3;
    const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed });
    try {
      await reset(gpu(), env);
      env.writeActions(Uint32Array.of(0, 1, 0));
      // Hold every env upright: rewrite a calm state before each step so no episode terminates.
      const calm = Float32Array.from({ length: 4 * numEnvs }, (_, i) => [0.01, -0.02, 0.005, 0.01][i % 4]!);
      for (let t = 1; t < 500; t += 1) {
        env.writeStates(calm);
        await step(gpu(), env);
      }
      let out = await env.read();
      expect([...out.stepCounts], `seed ${seed}: steps taken`).toEqual([499, 499, 499]);
      expect([...out.truncated]).toEqual([0, 0, 0]);
      env.writeStates(calm);
      poisonStepOutputs(gpu(), env);
      await step(gpu(), env);
      out = await env.read();
      expect(unwrittenStepOutputs(out).observations).toBe(0);
      expect([...out.truncated], `seed ${seed}: truncated at step 500`).toEqual([1, 1, 1]);
      expect([...out.terminated], `seed ${seed}: not terminated`).toEqual([0, 0, 0]);
      expect([...out.episodeLengths]).toEqual([500, 500, 500]);
      expect([...out.episodeReturns]).toEqual([500, 500, 500]);
      expect([...out.stepCounts]).toEqual([0, 0, 0]);
      for (let n = 0; n < numEnvs; n += 1) {
        const ref = cartPoleStep(row(calm, n, 4), n === 1 ? 1 : 0);
        row(out.finalObservations, n, 4).forEach((v, i) => expect(close(v, ref.state[i]!), `final obs of env ${n}`).toBe(true));
        const fresh = cartPoleReset(resetUniforms(seed, n, 1, 4));
        row(out.observations, n, 4).forEach((v, i) => expect(Math.abs(v - fresh[i]!), `fresh obs of env ${n}`).toBeLessThan(1e-8));
        expect(row(out.states, n, 4)).toEqual(row(out.observations, n, 4));
      }
    } finally {
      env.destroy();
    }
  });

  it('steps 4 096 and 65 536 envs correctly (spot-checked against the reference over 3 steps)', async () => {
    for (const numEnvs of [4096, 65_536]) {
      const seed = freshSeed();
      const random = seededRandom(seed);
      const env = await createVectorEnv(gpu().device, 'CartPole-v1', { numEnvs, seed });
      try {
        await reset(gpu(), env);
        let before = (await env.read()).states;
        const sample = [0, 1, numEnvs - 1, ...Array.from({ length: 200 }, () => Math.floor(random() * numEnvs))];
        for (let t = 0; t < 3; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => (random() < 0.5 ? 0 : 1));
          env.writeActions(actions);
          poisonStepOutputs(gpu(), env);
          await step(gpu(), env);
          const out = await env.read();
          const unwritten = unwrittenStepOutputs(out);
          expect(Object.values(unwritten).reduce((a, b) => a + b, 0), `seed ${seed}, ${numEnvs} envs: unwritten ${JSON.stringify(unwritten)}`).toBe(0);
          for (const n of sample) {
            const ref = cartPoleStep(row(before, n, 4), actions[n]!);
            const next = row(out.nextStates, n, 4);
            next.forEach((v, i) => expect(close(v, ref.state[i]!), `seed ${seed}, ${numEnvs} envs, env ${n}, t ${t}: ${v} vs ${ref.state[i]}`).toBe(true));
            expect(out.terminated[n]).toBe(ref.terminated ? 1 : 0); // from reset, 3 steps cannot reach a threshold
            expect(out.rewards[n]).toBe(1);
          }
          before = out.states;
        }
      } finally {
        env.destroy();
      }
    }
  });
});
