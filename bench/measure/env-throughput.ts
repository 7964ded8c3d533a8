/**
 * Env stepping throughput: env steps per second of one built-in env at N envs, random actions
 * written once, T steps recorded in one compute pass per submit (2 dispatches per step: step and
 * auto-reset). Timed from submit to onSubmittedWorkDone (bench/measure/timing.ts).
 */
import { createVectorEnv } from '../../src/envs/vector-env';
import type { ActionSpace, BoxSpace, EnvDescriptor, HybridActions } from '../../src/envs/types';
import { sample, timeSubmitted, type Repetition, type Samples } from './timing';

export interface EnvThroughputReport {
  env: string;
  numEnvs: number;
  /** Steps recorded per submit. */
  stepsPerSubmit: number;
  milliseconds: Samples;
  /** numEnvs · stepsPerSubmit / median seconds. */
  envStepsPerSecond: number;
}

/**
 * Measures `env` at `numEnvs`: one calibration submit, then stepsPerSubmit chosen so that a
 * submit takes about `targetMilliseconds` (between 1 and `maxStepsPerSubmit`).
 */
export async function measureEnvThroughput(
  device: GPUDevice,
  env: EnvDescriptor,
  numEnvs: number,
  repetition: Repetition,
  targetMilliseconds = 200,
  maxStepsPerSubmit = 1000,
): Promise<EnvThroughputReport> {
  const vectorEnv = await createVectorEnv(device, env, { numEnvs, seed: 1 });
  try {
    const space = env.actionSpace;
    // The random policy, drawn once: the benchmark measures the env, not the policy.
    vectorEnv.writeActions(randomActions(space, numEnvs));
    const resetEncoder = device.createCommandEncoder({ label: 'bench.env.reset' });
    vectorEnv.encodeReset(resetEncoder);
    device.queue.submit([resetEncoder.finish()]);

    const encodeSteps = (steps: number) => {
      const encoder = device.createCommandEncoder({ label: 'bench.env.steps' });
      const pass = encoder.beginComputePass({ label: 'bench.env.steps' });
      for (let t = 0; t < steps; t += 1) vectorEnv.dispatchStep(pass);
      pass.end();
      return encoder.finish();
    };
    // Calibrate: grow the submit until it takes an eighth of the target (a short submit's time is
    // mostly its fixed latency), then scale it to the target.
    let calibrationSteps = 1;
    let calibration = await timeSubmitted(device.queue, () => device.queue.submit([encodeSteps(1)]));
    while (calibration < targetMilliseconds / 8 && calibrationSteps < maxStepsPerSubmit) {
      calibrationSteps = Math.min(maxStepsPerSubmit, 4 * calibrationSteps);
      const commands = encodeSteps(calibrationSteps);
      calibration = await timeSubmitted(device.queue, () => device.queue.submit([commands]));
    }
    const stepsPerSubmit = Math.max(
      1,
      Math.min(maxStepsPerSubmit, Math.round((calibrationSteps * targetMilliseconds) / Math.max(calibration, 1e-3))),
    );
    const milliseconds = await sample(repetition, () => {
      const commands = encodeSteps(stepsPerSubmit);
      return timeSubmitted(device.queue, () => device.queue.submit([commands]));
    });
    return {
      env: env.id,
      numEnvs,
      stepsPerSubmit,
      milliseconds,
      envStepsPerSecond: (numEnvs * stepsPerSubmit) / (milliseconds.median / 1000),
    };
  } finally {
    vectorEnv.destroy();
  }
}

/** Uniform branch indices [numEnvs][nvec.length]. */
const randomBranches = (nvec: readonly number[], numEnvs: number) =>
  Uint32Array.from({ length: numEnvs * nvec.length }, (_, i) => Math.floor(Math.random() * nvec[i % nvec.length]!));

/** Floats [numEnvs][size], uniform in the box. */
const randomInBox = (box: BoxSpace, numEnvs: number) =>
  Float32Array.from({ length: numEnvs * box.size }, (_, i) => {
    const d = i % box.size;
    return box.low[d]! + (box.high[d]! - box.low[d]!) * Math.random();
  });

/** Uniform random actions of `numEnvs` envs, as writeActions takes them for the space. */
function randomActions(space: ActionSpace, numEnvs: number): Uint32Array | Float32Array | HybridActions {
  if (space.kind === 'discrete') return Uint32Array.from({ length: numEnvs }, () => Math.floor(Math.random() * space.n));
  if (space.kind === 'multiDiscrete') return randomBranches(space.nvec, numEnvs);
  if (space.kind === 'hybrid') return { continuous: randomInBox(space.continuous, numEnvs), discrete: randomBranches(space.nvec, numEnvs) };
  return randomInBox(space, numEnvs);
}
