/**
 * What one env step of a MuJoCo locomotion env (webgpu-rl/mujoco) costs on the CPU, with a random
 * policy and no GPU: the env's stepBatch over N instances, beside the physics alone (writing ctrl,
 * frameSkip × mj_step + mj_rnePostConstraint called straight on the same MjData), the observation
 * copy alone (the live views into the Float32Array row), and the binding's crossings alone (as
 * many (model, data) calls as the physics makes, each doing next to nothing in C). What the env adds
 * over the physics is the rest of its JavaScript: checking the action, the reward terms, the
 * health rule, the observation and the episode accumulators.
 *
 * Each quantity is timed over `steps` env steps of all N instances (instances that end are reset,
 * outside the clock), repeated (the four interleaved), and reported in µs per instance step: the
 * median, and the minimum, the best estimate on a loaded machine.
 */
import { instanceViews, isHealthy, observationLayoutOf, observeState, type MujocoLocomotionEnv, type MujocoModule } from '../../src/mujoco/index';
import type { HostEnvBatch } from '../../src/envs/batched-host-env';
import { summarize, type Repetition, type Samples } from './timing';

/** µs per instance step (one env step of one instance), median over repeats. */
export interface MujocoStepReport {
  readonly env: string;
  readonly numEnvs: number;
  /** env.stepBatch(batch, 0, N) / N. */
  readonly envStepUs: Samples;
  /** frameSkip × mj_step + mj_rnePostConstraint on each instance's MjData. */
  readonly physicsUs: Samples;
  /** Writing the observation row from the live qpos/qvel views. */
  readonly observationUs: Samples;
  /**
   * frameSkip + 1 crossings of the binding with (model, data), as the physics makes them, each a
   * call that does next to nothing in C (mj_checkPos): the binding's share of physicsUs.
   */
  readonly bindingUs: Samples;
  /** Instance steps per second of env.stepBatch, from the median. */
  readonly stepsPerSecond: number;
}

/** A HostEnvBatch over arrays allocated here, drawing from Math.random (benchmarks need no replay). */
function benchBatch(env: MujocoLocomotionEnv, numEnvs: number): HostEnvBatch & { actions: Float32Array } {
  const metrics = env.episodeMetrics.length;
  return {
    numEnvs,
    actions: new Float32Array(numEnvs * env.actionSpace.size),
    discreteActions: new Uint32Array(0),
    observations: new Float32Array(numEnvs * env.observationSize),
    rewards: new Float32Array(numEnvs),
    terminated: new Uint32Array(numEnvs),
    truncated: new Uint32Array(numEnvs),
    masks: new Uint32Array(0),
    episodeMetrics: new Float32Array(numEnvs * metrics),
    // Math.random is in [0, 1); the env's normals take a log, so keep it off 0.
    random: () => Math.random() || 0.5,
  };
}

/** Times `steps` env steps of `env` at `numEnvs` three ways (see the file comment). */
export function measureMujocoSteps(
  mujoco: MujocoModule,
  env: MujocoLocomotionEnv,
  numEnvs: number,
  options: { readonly steps: number; readonly repetition: Repetition },
): MujocoStepReport {
  const batch = benchBatch(env, numEnvs);
  const all = Uint32Array.from({ length: numEnvs }, (_, i) => i);
  env.resetBatch(batch, all);
  const datas = Array.from({ length: numEnvs }, (_, i) => env.instanceData(batch, i)!);
  // Resets allocate nothing, so these views stay valid for the whole measurement.
  const views = datas.map(instanceViews);
  const frameSkip = env.task.frameSkip;
  const { health, contactForceRange } = env.settings;
  const layout = observationLayoutOf(env.task, contactForceRange);
  const nu = env.actionSpace.size;
  // The env ends episodes itself; the bare physics ends them by the same health rule, off the clock.
  const endedByEnv = () => all.filter((i) => batch.terminated[i] === 1);
  const endedByHealth = () => all.filter((i) => !isHealthy(views[i]!, health));
  /**
   * Times `work` (one env step of all instances) over options.steps steps, after `before` off the
   * clock; µs per instance step.
   */
  const timed = (work: () => void, ended: () => Uint32Array, before?: () => void) => () => {
    let elapsed = 0;
    for (let t = 0; t < options.steps; t += 1) {
      for (let j = 0; j < batch.actions.length; j += 1) batch.actions[j] = 2 * Math.random() - 1;
      before?.();
      const started = performance.now();
      work();
      elapsed += performance.now() - started;
      const restart = ended();
      if (restart.length > 0) env.resetBatch(batch, restart);
    }
    return (elapsed * 1000) / (options.steps * numEnvs);
  };
  const physics = () => {
    for (let i = 0; i < numEnvs; i += 1) {
      const ctrl = views[i]!.ctrl;
      for (let j = 0; j < nu; j += 1) ctrl[j] = batch.actions[i * nu + j]!;
      for (let k = 0; k < frameSkip; k += 1) mujoco.mj_step(env.model, datas[i]!);
      mujoco.mj_rnePostConstraint(env.model, datas[i]!);
    }
  };
  const observe = () => {
    for (let i = 0; i < numEnvs; i += 1) observeState(views[i]!, layout, batch.observations, i * env.observationSize);
  };
  // mj_checkPos(model, data) only scans qpos (a few entries) in C: its time is the crossing's.
  const checkPos = (mujoco as unknown as { mj_checkPos(m: unknown, d: unknown): void }).mj_checkPos;
  const crossings = () => {
    for (let i = 0; i < numEnvs; i += 1) for (let k = 0; k <= frameSkip; k += 1) checkPos(env.model, datas[i]!);
  };
  try {
    // Interleaved: each repeat times the four in turn, so that a change in the machine's load
    // (other processes share the CPU) weighs on all of them alike.
    const measures = [
      timed(() => env.stepBatch(batch, 0, numEnvs), endedByEnv),
      timed(physics, endedByHealth),
      timed(observe, endedByHealth, physics),
      timed(crossings, endedByHealth, physics),
    ];
    const { warmup, repeats } = options.repetition;
    for (let r = 0; r < warmup; r += 1) for (const measure of measures) measure();
    const values = measures.map(() => [] as number[]);
    for (let r = 0; r < repeats; r += 1) measures.forEach((measure, k) => values[k]!.push(measure()));
    const [envStepUs, physicsUs, observationUs, bindingUs] = values.map(summarize) as [Samples, Samples, Samples, Samples];
    return { env: env.name, numEnvs, envStepUs, physicsUs, observationUs, bindingUs, stepsPerSecond: 1e6 / envStepUs.median };
  } finally {
    env.releaseBatch(batch);
  }
}
