/**
 * A Gymnasium-v5 locomotion env (./tasks.ts) as a {@link BatchedHostEnv}: one compiled MjModel per
 * env, one MjData per instance, stepped on the CPU by MuJoCo's WebAssembly build and pipelined in
 * halves with the GPU (`stepsRanges`).
 *
 * A step of instance i, as Gymnasium's MujocoEnv.step and the env's step() (hopper_v5.py, …):
 * write the action into ctrl unclipped (MuJoCo clamps to ctrlrange inside; the control cost sees
 * the raw values; the engine has clipped a trainer's actions to the ±1 box already), mj_step
 * frameSkip times, mj_rnePostConstraint once; then x_velocity = Δx / dt (x = qpos[0], the torso's
 * xpos for Ant, the centre of mass of the whole body for Humanoid), reward = healthy reward (only if
 * healthy after the step) + forward weight · x_velocity − ctrl weight · Σ action² (− Ant's contact
 * weight · Σ clip(cfrc_ext)², − Humanoid's min(weight · Σ cfrc_ext², 10)), terminated = unhealthy
 * (when the env terminates on it). The observation is taken after the step.
 * Truncation at 1000 steps is the engine's (maxEpisodeSteps, Gymnasium's TimeLimit).
 *
 * Reset, as MujocoEnv.reset and reset_model: mj_resetData, qpos = qpos0 + U(−s, s) over every
 * entry, then qvel = U(−s, s) (or s · N(0, 1) for HalfCheetah and Ant; Box–Muller on two
 * uniforms), drawn from the engine's per-instance stream (batch.random) in that order, then
 * mj_forward.
 *
 * Instability. MuJoCo flags a qpos, qvel or qacc entry that is NaN or beyond 1e10 (mjMAXVAL) as
 * bad; the models disable its auto-reset (./models.ts), so the env sees such a state after the step and
 * ends the episode there: terminated, reward 0, the observation row left at the last finite one,
 * and the episode metric `unstable` 1. An action entry that is not finite or beyond 1e10 does the
 * same without stepping. No NaN reaches training either way. (MjData's warning counters are not
 * polled: in @mujoco/mujoco 3.14 each read of `data.warning` makes a new handle on the WebAssembly
 * heap.)
 *
 * Memory. MjData lives on the WebAssembly heap, outside JavaScript's garbage collector: each run
 * (one {@link HostEnvBatch}, one vector env) gets its instances' MjData at its first resetBatch,
 * all of them at once, and frees them at releaseBatch (the engine calls it when the vector env is
 * destroyed); close() frees everything, the model included. Allocating can grow the heap, which
 * detaches every typed-array view into it, so views are re-taken after each allocation and checked
 * at the start of every call (another env on the same module may have allocated in between).
 * Stepping allocates nothing.
 */
import type { BatchedHostEnv, HostEnvBatch } from '../envs/batched-host-env';
import type { BoxSpace } from '../envs/types';
import type { MujocoData, MujocoModel, MujocoModule } from './load';
import { contactSquares, isHealthy, observationLayoutOf, observeState, type HealthRule, type InstanceViews, type Interval, type LocomotionTask, type ObservationLayout } from './tasks';

/** MuJoCo's mjMAXVAL: a state or control entry beyond it (or NaN) is "bad" (mju_isBad). */
export const MUJOCO_MAX_VALUE = 1e10;

/** A resolved env configuration: the task's defaults with the caller's options on top. */
export interface LocomotionSettings {
  /** The env's name in errors and run summaries. */
  readonly name: string;
  /** Episodes are truncated at this many steps. */
  readonly maxEpisodeSteps: number;
  /** Weight of x_velocity in the reward. */
  readonly forwardRewardWeight: number;
  /** Weight of Σ action² subtracted from the reward. */
  readonly ctrlCostWeight: number;
  /** Paid on each step that ends healthy (envs with a health rule). */
  readonly healthyReward: number;
  /** Whether an unhealthy state ends the episode (false for an env without a health rule). */
  readonly terminateWhenUnhealthy: boolean;
  /** Scale of the reset noise. */
  readonly resetNoiseScale: number;
  /** The health rule (null: none; HalfCheetah). */
  readonly health: HealthRule | null;
  /** Weight of the contact cost (Ant, Humanoid; 0 for the others). */
  readonly contactCostWeight: number;
  /** cfrc_ext's clipping range in the observation and the contact cost (Ant; null for the others). */
  readonly contactForceRange: Interval | null;
  /** The contact cost's clamp (Humanoid; null for the others). */
  readonly contactCostRange: Interval | null;
}

/** One run's instances: their MjData, views and episode accumulators. */
interface Run {
  readonly datas: MujocoData[];
  views: InstanceViews[];
  /** Per instance: x at the episode's start and after its last finite step. */
  readonly xStart: Float64Array;
  readonly xLast: Float64Array;
  readonly steps: Float64Array;
  readonly forwardSum: Float64Array;
  readonly ctrlSum: Float64Array;
  readonly contactSum: Float64Array;
  readonly surviveSum: Float64Array;
}

/** The live views into `data` that a step reads (valid until the WebAssembly heap grows). */
export const instanceViews = (data: MujocoData): InstanceViews => ({
  qpos: data.qpos,
  qvel: data.qvel,
  qacc: data.qacc,
  ctrl: data.ctrl,
  xpos: data.xpos,
  cfrc_ext: data.cfrc_ext,
  xipos: data.xipos,
  cinert: data.cinert,
  cvel: data.cvel,
  qfrc_actuator: data.qfrc_actuator,
});

/** Whether every entry of `values` is finite and within MuJoCo's mjMAXVAL (NaN fails). */
function allGood(values: ArrayLike<number>, from: number, to: number): boolean {
  for (let j = from; j < to; j += 1) if (!(Math.abs(values[j]!) <= MUJOCO_MAX_VALUE)) return false;
  return true;
}

/** One line of a MuJoCo error (its messages run over several). */
const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');

/**
 * Compiles `xml` with `from_xml_string`; a failure names the model and passes MuJoCo's message on
 * in one line (it names the element and the line of the MJCF).
 */
export function compileModel(mujoco: MujocoModule, modelName: string, xml: string): MujocoModel {
  try {
    return mujoco.MjModel.from_xml_string(xml);
  } catch (error) {
    throw new Error(`MuJoCo model '${modelName}' did not compile: ${oneLine(error)}`);
  }
}

/** The action space of a locomotion env: a box of the actuators' ctrlrange (±1, Humanoid's ±0.4). */
function controlBox(model: MujocoModel): BoxSpace {
  const range = model.actuator_ctrlrange;
  const size = model.nu;
  return { kind: 'box', size, low: Array.from({ length: size }, (_, a) => range[2 * a]!), high: Array.from({ length: size }, (_, a) => range[2 * a + 1]!) };
}

/** A Gymnasium-v5 locomotion env stepped by MuJoCo; see the file comment. */
export class MujocoLocomotionEnv implements BatchedHostEnv {
  readonly name: string;
  readonly observationSize: number;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  readonly stepsRanges = true;
  readonly episodeMetrics: readonly string[];
  /** Seconds per env step: the model's timestep × frameSkip. */
  readonly dt: number;
  /** The task this env runs (model, observation, health, defaults). */
  readonly task: LocomotionTask;
  /** The resolved settings (weights, health rule, noise, step limit). */
  readonly settings: LocomotionSettings;
  /** The compiled model (shared by every instance; freed by close()). */
  readonly model: MujocoModel;
  private readonly runs = new Map<HostEnvBatch, Run>();
  private readonly nq: number;
  private readonly nv: number;
  private readonly nu: number;
  private readonly layout: ObservationLayout;
  /** Whether the env pays a contact cost (Ant, Humanoid), reported as `reward_contact`. */
  private readonly reportsContact: boolean;
  /** The bodies' masses over their total (Humanoid's centre of mass), copied once: model views detach when the heap grows. */
  private readonly massShares: Float64Array;
  private closed = false;

  /** Use mujocoEnv() or an env's factory (hopperV5, …): they load MuJoCo and check the options. */
  constructor(
    /** The MuJoCo module whose heap holds this env's model and data. */
    readonly mujoco: MujocoModule,
    task: LocomotionTask,
    settings: LocomotionSettings,
  ) {
    this.task = task;
    this.settings = settings;
    this.name = settings.name;
    this.maxEpisodeSteps = settings.maxEpisodeSteps;
    this.observationSize = task.observationSize;
    this.reportsContact = task.contactForceRange !== null || task.contactCostRange !== null;
    this.episodeMetrics = [
      'x_position',
      'x_velocity',
      'reward_forward',
      'reward_ctrl',
      ...(this.reportsContact ? ['reward_contact'] : []),
      ...(settings.health ? ['reward_survive'] : []),
      'unstable',
    ];
    const model = compileModel(mujoco, task.id, task.xml);
    try {
      for (const key of ['nq', 'nv', 'nu', 'nbody'] as const) {
        if (model[key] !== task.sizes[key]) throw new Error(`${task.id}: the compiled model has ${key} = ${model[key]}, the env expects ${task.sizes[key]}`);
      }
      const opt = model.opt;
      try {
        this.dt = opt.timestep * task.frameSkip;
      } finally {
        opt.delete();
      }
    } catch (error) {
      model.delete();
      throw error;
    }
    this.model = model;
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.actionSpace = controlBox(model);
    const masses = Float64Array.from(model.body_mass);
    const total = masses.reduce((sum, m) => sum + m, 0);
    this.massShares = masses.map((m) => m / total);
    this.layout = observationLayoutOf(task, settings.contactForceRange);
  }

  resetBatch(batch: HostEnvBatch, instances: Uint32Array): void {
    const run = this.runFor(batch);
    for (let k = 0; k < instances.length; k += 1) this.resetInstance(run, batch, instances[k]!);
  }

  stepBatch(batch: HostEnvBatch, from: number, to: number): void {
    const run = this.runs.get(batch);
    if (!run) throw new Error(`${this.name}: stepBatch before resetBatch for this batch (the engine resets every instance first)${this.closed ? '; the env was closed' : ''}`);
    this.refreshViews(run);
    for (let i = from; i < to; i += 1) this.stepInstance(run, batch, i);
  }

  /** Frees the MjData of `batch`'s run (the engine calls this when its vector env is destroyed). */
  releaseBatch(batch: HostEnvBatch): void {
    const run = this.runs.get(batch);
    if (!run) return;
    this.runs.delete(batch);
    for (const data of run.datas) data.delete();
  }

  /** Frees every run's MjData and the model; the env cannot be used after. Calling it again does nothing. */
  close(): void {
    if (this.closed) return;
    for (const batch of [...this.runs.keys()]) this.releaseBatch(batch);
    this.model.delete();
    this.closed = true;
  }

  /**
   * Instance `instance`'s MjData in the run of `batch` (for rendering and tests: read it, do not
   * step or free it); undefined before that run's first resetBatch.
   */
  instanceData(batch: HostEnvBatch, instance: number): MujocoData | undefined {
    return this.runs.get(batch)?.datas[instance];
  }

  /** The run of `batch`, made (one MjData per instance) at its first reset. */
  private runFor(batch: HostEnvBatch): Run {
    if (this.closed) throw new Error(`${this.name}: the env was closed (close() freed its MuJoCo model); make a new one`);
    const found = this.runs.get(batch);
    if (found) {
      this.refreshViews(found);
      return found;
    }
    const n = batch.numEnvs;
    const datas: MujocoData[] = [];
    try {
      for (let i = 0; i < n; i += 1) datas.push(new this.mujoco.MjData(this.model as never));
    } catch (error) {
      for (const data of datas) data.delete();
      throw new Error(
        `${this.name}: could not make the MjData of instance ${datas.length} of ${n} (${oneLine(error)}); ` +
          'the single-threaded MuJoCo heap holds at most 2 GiB: use fewer envs, or release other runs',
      );
    }
    const zeros = () => new Float64Array(n);
    const run: Run = {
      datas,
      views: datas.map(instanceViews),
      xStart: zeros(),
      xLast: zeros(),
      steps: zeros(),
      forwardSum: zeros(),
      ctrlSum: zeros(),
      contactSum: zeros(),
      surviveSum: zeros(),
    };
    this.runs.set(batch, run);
    return run;
  }

  /** Re-takes a run's views when the heap has grown since (its views are then detached: length 0). */
  private refreshViews(run: Run): void {
    if (run.views[0]!.qpos.length === 0) run.views = run.datas.map(instanceViews);
  }

  /** Gymnasium's reset of one instance: see the file comment. */
  private resetInstance(run: Run, batch: HostEnvBatch, i: number): void {
    const { mujoco, model } = this;
    const data = run.datas[i]!;
    mujoco.mj_resetData(model, data);
    const { qpos, qvel } = run.views[i]!;
    const s = this.settings.resetNoiseScale;
    for (let j = 0; j < this.nq; j += 1) qpos[j]! += s * (2 * batch.random(i) - 1);
    if (this.task.velocityNoise === 'uniform') {
      for (let j = 0; j < this.nv; j += 1) qvel[j] = s * (2 * batch.random(i) - 1);
    } else {
      // Box–Muller: two uniforms in (0, 1) give one standard normal (log of a positive number).
      for (let j = 0; j < this.nv; j += 1) qvel[j] = s * Math.sqrt(-2 * Math.log(batch.random(i))) * Math.cos(2 * Math.PI * batch.random(i));
    }
    mujoco.mj_forward(model, data);
    this.observe(run.views[i]!, batch.observations, i);
    run.xStart[i] = run.xLast[i] = this.forwardPosition(run.views[i]!);
    run.steps[i] = run.forwardSum[i] = run.ctrlSum[i] = run.contactSum[i] = run.surviveSum[i] = 0;
  }

  /** One env step of instance i: see the file comment. */
  private stepInstance(run: Run, batch: HostEnvBatch, i: number): void {
    const { mujoco, model, nu, settings } = this;
    const actions = batch.actions as Float32Array;
    const at = i * nu;
    if (!allGood(actions, at, at + nu)) {
      this.endUnstable(run, batch, i);
      return;
    }
    const v = run.views[i]!;
    let squares = 0;
    for (let j = 0; j < nu; j += 1) {
      const a = actions[at + j]!;
      v.ctrl[j] = a;
      squares += a * a;
    }
    const data = run.datas[i]!;
    const xBefore = this.forwardPosition(v);
    for (let k = 0; k < this.task.frameSkip; k += 1) mujoco.mj_step(model, data);
    // Gymnasium calls it after every step: it fills cfrc_ext, which Ant's observation and cost read.
    mujoco.mj_rnePostConstraint(model, data);
    if (!allGood(v.qpos, 0, this.nq) || !allGood(v.qvel, 0, this.nv) || !allGood(v.qacc, 0, this.nv)) {
      this.endUnstable(run, batch, i);
      return;
    }
    const xAfter = this.forwardPosition(v);
    const healthy = isHealthy(v, settings.health);
    const forward = (settings.forwardRewardWeight * (xAfter - xBefore)) / this.dt;
    const survive = healthy && settings.health !== null ? settings.healthyReward : 0;
    const ctrlCost = settings.ctrlCostWeight * squares;
    const contactCost = this.contactCost(v);
    // Gymnasium's order: (forward + healthy) − (ctrl + contact).
    batch.rewards[i] = forward + survive - (ctrlCost + contactCost);
    this.observe(v, batch.observations, i);
    const terminated = !healthy && settings.terminateWhenUnhealthy;
    batch.terminated[i] = terminated ? 1 : 0;
    run.xLast[i] = xAfter;
    run.steps[i]! += 1;
    run.forwardSum[i]! += forward;
    run.ctrlSum[i]! += ctrlCost;
    run.contactSum[i]! += contactCost;
    run.surviveSum[i]! += survive;
    if (terminated || batch.truncated[i] === 1) this.writeMetrics(run, batch, i, 0);
  }

  /** The x the forward reward differentiates: qpos[0], the torso's xpos (Ant) or the centre of mass (Humanoid). */
  private forwardPosition(v: InstanceViews): number {
    const measure = this.task.forwardPosition;
    if (measure === 'qpos') return v.qpos[0]!;
    if (measure === 'torso-xpos') return v.xpos[3]!;
    const shares = this.massShares;
    let x = 0;
    for (let b = 0; b < shares.length; b += 1) x += shares[b]! * v.xipos[3 * b]!;
    return x;
  }

  /** The contact cost: Ant's weight · Σ clip(cfrc_ext)², Humanoid's weight · Σ cfrc_ext² clamped, 0 for the others. */
  private contactCost(v: InstanceViews): number {
    const { contactCostWeight, contactForceRange, contactCostRange } = this.settings;
    if (contactForceRange !== null) return contactCostWeight * contactSquares(v, contactForceRange);
    if (contactCostRange === null) return 0;
    const cost = contactCostWeight * contactSquares(v, null);
    return Math.min(Math.max(cost, contactCostRange[0]), contactCostRange[1]);
  }

  /** Instance i's observation row. */
  private observe(v: InstanceViews, out: Float32Array, i: number): void {
    observeState(v, this.layout, out, i * this.observationSize);
  }

  /** Ends instance i's episode on a bad action or state: terminated, reward 0, `unstable` 1. */
  private endUnstable(run: Run, batch: HostEnvBatch, i: number): void {
    batch.rewards[i] = 0;
    batch.terminated[i] = 1;
    this.writeMetrics(run, batch, i, 1);
  }

  /** The ended episode's metrics, in episodeMetrics' order. */
  private writeMetrics(run: Run, batch: HostEnvBatch, i: number, unstable: number): void {
    const m = batch.episodeMetrics;
    let k = i * this.episodeMetrics.length;
    const steps = run.steps[i]!;
    m[k++] = run.xLast[i]!;
    m[k++] = steps > 0 ? (run.xLast[i]! - run.xStart[i]!) / (steps * this.dt) : 0;
    m[k++] = run.forwardSum[i]!;
    m[k++] = -run.ctrlSum[i]!;
    if (this.reportsContact) m[k++] = -run.contactSum[i]!;
    if (this.settings.health) m[k++] = run.surviveSum[i]!;
    m[k] = unstable;
  }
}
