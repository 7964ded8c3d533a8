/**
 * CartPole-v1 as a JavaScript game, in the batched host-env form: Gymnasium's cartpole.py equations
 * (CartPoleEnv.step, "euler"), the state of all N instances in one Float32Array. The reset draws four
 * uniforms per instance, in state order, from batch.random, and computes low + (high − low)·u in
 * float32 as shaders/envs/cartpole.wgsl does, so the port replays the WGSL env from the same seed
 * (up to float32 rounding of the step, which is done in float64 here and stored as float32). It
 * steps any range of instances (stepsRanges), so the rollout may pipeline it in halves.
 * Used by test/gpu/batched-host-env.test.ts and the host-vs-WGSL benchmark (bench/measure/host-env-training.ts).
 */
import { cartPole } from '../../src/envs/builtin/cartpole';
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';

const f32 = Math.fround;
const LOW = f32(-0.05);
const SPAN = f32(f32(0.05) - LOW);

/**
 * CartPole-v1 over typed arrays, its constants cartPole.params (the WGSL env's defaults).
 * `stepsRanges: false` declares the game as one that must be stepped whole (an unpipelined rollout).
 */
export function cartPoleHost(name = 'cartpole-js', options: { stepsRanges?: boolean } = {}): BatchedHostEnv {
  const p = cartPole.params as Record<string, number>;
  const [gravity, masscart, masspole, length, forceMag, tau] = ['gravity', 'masscart', 'masspole', 'length', 'force_mag', 'tau'].map((k) => f32(p[k]!)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const xThreshold = f32(p.x_threshold!);
  const thetaThreshold = f32(p.theta_threshold_radians!);
  const totalMass = masspole + masscart;
  const polemassLength = masspole * length;
  let state = new Float32Array(0);
  const stateFor = (batch: HostEnvBatch) => (state.length === 4 * batch.numEnvs ? state : (state = new Float32Array(4 * batch.numEnvs)));
  return {
    name,
    observationSize: 4,
    actionSpace: cartPole.actionSpace,
    maxEpisodeSteps: cartPole.maxEpisodeSteps,
    stepsRanges: options.stepsRanges ?? true,
    resetBatch(batch, instances) {
      const s = stateFor(batch);
      for (let k = 0; k < instances.length; k += 1) {
        const i = instances[k]!;
        for (let j = 0; j < 4; j += 1) s[4 * i + j] = f32(LOW + f32(SPAN * batch.random(i)));
        batch.observations.set(s.subarray(4 * i, 4 * i + 4), 4 * i);
      }
    },
    stepBatch(batch, from = 0, to = batch.numEnvs) {
      const s = stateFor(batch);
      const { actions, observations, rewards, terminated } = batch;
      for (let i = from; i < to; i += 1) {
        const o = 4 * i;
        const x = s[o]!;
        const xDot = s[o + 1]!;
        const theta = s[o + 2]!;
        const thetaDot = s[o + 3]!;
        const force = actions[i] === 1 ? forceMag : -forceMag;
        const cos = Math.cos(theta);
        const sin = Math.sin(theta);
        const temp = (force + polemassLength * thetaDot * thetaDot * sin) / totalMass;
        const thetaAcc = (gravity * sin - cos * temp) / (length * (4 / 3 - (masspole * cos * cos) / totalMass));
        const xAcc = temp - (polemassLength * thetaAcc * cos) / totalMass;
        s[o] = x + tau * xDot;
        s[o + 1] = xDot + tau * xAcc;
        s[o + 2] = theta + tau * thetaDot;
        s[o + 3] = thetaDot + tau * thetaAcc;
        observations[o] = s[o]!;
        observations[o + 1] = s[o + 1]!;
        observations[o + 2] = s[o + 2]!;
        observations[o + 3] = s[o + 3]!;
        rewards[i] = 1;
        const nx = s[o]!;
        const nTheta = s[o + 2]!;
        terminated[i] = nx < -xThreshold || nx > xThreshold || nTheta < -thetaThreshold || nTheta > thetaThreshold ? 1 : 0;
      }
    },
  };
}
