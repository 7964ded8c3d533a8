/**
 * What a CPU policy (./cpu-policy.ts) is made from: one agent's actor parameters, the env's action
 * space and the observation normaliser's statistics, read back from a trainer's live buffers
 * (createPolicySnapshotReader) or taken from a checkpoint (snapshotFromCheckpoint), and checked
 * (checkSnapshot) into the shape the CPU policy runs.
 */
import { maskWidth, type ActionSpace } from '../envs/types';
import { ReadbackRing } from '../gpu/readback';
import { CpuMlp } from '../nn/cpu-mlp';
import { mlpLayout, type MlpSpec } from '../nn/mlp-spec';
import { decodeRunningMoments, RUNNING_MOMENTS_BYTES } from '../normalise/running-normalisers';
import { CheckpointError, checkCheckpointPolicy, type Checkpoint } from '../train/checkpoint';
import { OBSERVATION_NORMALISER } from '../train/trainer-checkpoint';
import type { TrainerPolicy } from '../train/trainer';
import type { ObservationNormaliserRecord } from '../normalise/normaliser-record';

/**
 * The running observation statistics a policy was trained with, y = clip((x − mean)/√(variance +
 * epsilon), ±clip): the record the ONNX export takes too.
 */
export type CpuObservationNormaliser = ObservationNormaliserRecord;

/** One agent's policy as the CPU runs it: {@link Agent.policy} reads it from the agent. */
export interface CpuPolicySnapshot {
  /** The actor's spec: a 'policy' head (logits; means; or D means then the branches' logits), and extras.logStd for a box or hybrid space. */
  readonly actor: MlpSpec;
  /** One agent's actor parameters in mlpLayout(actor)'s flat layout (parametersPerAgent values). */
  readonly parameters: Float32Array;
  /** The env's action space: what the head's outputs mean, and the box bounds actions are clipped to. */
  readonly actionSpace: ActionSpace;
  /** Whether the env writes action masks: act() then requires options.actionMask (null opting out), as Agent.act() does. */
  readonly actionMasks?: boolean;
  /** The observation statistics, when training normalised observations. */
  readonly observationNormaliser?: CpuObservationNormaliser;
}

/** A checked snapshot: the forward pass, its parameters and what the head needs, as the CPU policy keeps them. */
export interface CpuPolicyShape {
  readonly mlp: CpuMlp;
  readonly parameters: Float32Array;
  readonly observationSize: number;
  readonly actionSpace: ActionSpace;
  readonly actionMasks: boolean;
  /** D: the Gaussian's dims (box, hybrid); 0 for a categorical policy. */
  readonly continuousDims: number;
  /** The categorical branches: [n] (discrete) or nvec (multi-discrete, hybrid); empty for a box. */
  readonly branches: readonly number[];
  /** Σ branches: entries of a mask row. */
  readonly maskWidth: number;
  /** The continuous dims' bounds and the offset of their learned log-std in `parameters`. */
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly logStdOffset: number;
  /** float32 statistics and constants, as the GPU normaliser reads them; null without one. */
  readonly normaliser: { readonly mean: Float32Array; readonly variance: Float32Array; readonly epsilon: number; readonly clip: number } | null;
}

/** Reads snapshots of one trainer's policy; made once, reused for every read. */
export interface PolicySnapshotReader {
  /** Agent 0's actor parameters and observation statistics as they stand (reads queue behind each other). */
  read(): Promise<CpuPolicySnapshot>;
  destroy(): void;
}

/**
 * A reader of agent 0's actor parameters and observation statistics from a trainer's live buffers:
 * one copy into a staging buffer of its own for each, so reading after every iteration
 * (policy({ follow: true })) allocates no GPU buffer.
 */
export function createPolicySnapshotReader(device: GPUDevice, policy: TrainerPolicy, actionSpace: ActionSpace, actionMasks: boolean): PolicySnapshotReader {
  const momentsBytes = policy.actor.spec.inputSize * RUNNING_MOMENTS_BYTES;
  const parametersRing = new ReadbackRing(device, { label: 'policy-snapshot.parameters', byteLength: policy.actor.parametersPerAgent * 4, slots: 1 });
  const momentsRing = policy.observationStatistics ? new ReadbackRing(device, { label: 'policy-snapshot.moments', byteLength: momentsBytes, slots: 1 }) : null;
  const readOnce = async (): Promise<CpuPolicySnapshot> => {
    const encoder = device.createCommandEncoder({ label: 'policy-snapshot' });
    const parametersTicket = parametersRing.recordAt(encoder, 0, policy.actorParameters);
    const momentsTicket = momentsRing?.recordAt(encoder, 0, policy.observationStatistics!, 0, momentsBytes);
    device.queue.submit([encoder.finish()]);
    const [parameters, moments] = await Promise.all([parametersRing.collect(parametersTicket), momentsTicket ? momentsRing!.collect(momentsTicket) : undefined]);
    const statistics = moments && decodeRunningMoments(moments);
    return {
      actor: policy.actor.spec,
      parameters: new Float32Array(parameters),
      actionSpace,
      actionMasks,
      ...(statistics ? { observationNormaliser: { mean: statistics.mean, variance: statistics.variance, ...OBSERVATION_NORMALISER } } : {}),
    };
  };
  let last: Promise<unknown> = Promise.resolve();
  return {
    read() {
      const next = last.then(readOnce);
      last = next.catch(() => undefined);
      return next;
    },
    destroy() {
      parametersRing.destroy();
      momentsRing?.destroy();
    },
  };
}

/**
 * One agent's policy from a checkpoint (its 'actor' network and, for agent 0, its observation
 * statistics): a game can ship a checkpoint and act on the CPU without a GPU. The checkpoint does
 * not record whether the env writes masks, so act() then takes a mask without requiring one.
 */
export function snapshotFromCheckpoint(checkpoint: Checkpoint, agent = 0): CpuPolicySnapshot {
  const actor = checkpoint.networks.find((n) => n.name === 'actor');
  if (!actor) throw new CheckpointError(`checkpoint has no 'actor' network (it has ${checkpoint.networks.map((n) => `'${n.name}'`).join(', ') || 'none'})`);
  checkCheckpointPolicy(checkpoint);
  const P = mlpLayout(actor.spec).parametersPerAgent;
  const agents = checkpoint.agents;
  if (!Number.isInteger(agent) || agent < 0 || agent >= agents) throw new RangeError(`agent must be an integer in [0, ${agents - 1}], one of the checkpoint's ${agents} agents (got ${String(agent)})`);
  if (actor.parameters.length !== agents * P) {
    throw new CheckpointError(`checkpoint network 'actor' holds ${actor.parameters.length} parameters; ${agents} agents of its spec need ${agents} × ${P}`);
  }
  const normaliser = checkpoint.observationNormaliser;
  // The checkpoint's header holds agent 0's statistics only.
  if (normaliser && agent !== 0) throw new RangeError(`agent ${agent}: the checkpoint holds the observation statistics of agent 0 only, so only agent 0 of a normalised run can act`);
  return {
    actor: actor.spec,
    parameters: actor.parameters.slice(agent * P, (agent + 1) * P),
    actionSpace: checkpoint.env.actionSpace,
    ...(normaliser ? { observationNormaliser: { mean: normaliser.mean, variance: normaliser.variance, epsilon: normaliser.epsilon, clip: normaliser.clip } } : {}),
  };
}

/** The branches and continuous box of an action space. */
function spaceParts(space: ActionSpace): { branches: number[]; box: { size: number; low: readonly number[]; high: readonly number[] } | null } {
  const what = 'cpuPolicy.actionSpace';
  if (!space || typeof space !== 'object') throw new TypeError(`${what} must be an action space { kind: 'discrete' | 'multiDiscrete' | 'box' | 'hybrid', … } (got ${String(space)})`);
  const positive = (field: string, n: unknown) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${what}.${field} must be a positive integer (got ${String(n)})`);
    return n;
  };
  const nvec = (values: readonly number[]) => {
    if (!Array.isArray(values) || values.length < 1) throw new RangeError(`${what}.nvec must be a non-empty array of positive integers (got ${String(values)})`);
    return values.map((n, b) => positive(`nvec[${b}]`, n));
  };
  if (space.kind === 'discrete') return { branches: [positive('n', space.n)], box: null };
  if (space.kind === 'multiDiscrete') return { branches: nvec(space.nvec), box: null };
  if (space.kind === 'box') return { branches: [], box: space };
  if (space.kind === 'hybrid') return { branches: nvec(space.nvec), box: space.continuous };
  throw new RangeError(`${what}.kind must be 'discrete', 'multiDiscrete', 'box' or 'hybrid' (got ${String((space as { kind: unknown }).kind)})`);
}

/** The box's bounds as float64, checked (low ≤ high, no NaN). */
function bounds(box: { size: number; low: readonly number[]; high: readonly number[] } | null): { low: Float64Array; high: Float64Array } {
  if (!box) return { low: new Float64Array(0), high: new Float64Array(0) };
  const read = (name: 'low' | 'high') => {
    const values = box[name];
    if (!values || values.length !== box.size) throw new RangeError(`cpuPolicy.actionSpace ${name} must hold ${box.size} bounds (got ${values?.length})`);
    return Float64Array.from(values);
  };
  const low = read('low');
  const high = read('high');
  low.forEach((l, d) => {
    if (!(l <= high[d]!)) throw new RangeError(`cpuPolicy.actionSpace: low[${d}] = ${l} must be a number not above high[${d}] = ${high[d]}`);
  });
  return { low, high };
}

/** Checks the normaliser's statistics (OBS finite values, variance ≥ 0) and constants, as float32. */
function checkNormaliser(normaliser: CpuObservationNormaliser | undefined, size: number): CpuPolicyShape['normaliser'] {
  if (!normaliser) return null;
  const read = (field: 'mean' | 'variance') => {
    const values = normaliser[field];
    if (!values || values.length !== size) throw new RangeError(`cpuPolicy.observationNormaliser.${field} has ${values?.length} values; the actor takes ${size} observation dims`);
    const copy = Float32Array.from(values);
    copy.forEach((v, i) => {
      if (!Number.isFinite(v) || (field === 'variance' && v < 0)) throw new RangeError(`cpuPolicy.observationNormaliser.${field}[${i}] must be finite${field === 'variance' ? ' and ≥ 0' : ''} (got ${v})`);
    });
    return copy;
  };
  const constant = (field: 'epsilon' | 'clip') => {
    const v = normaliser[field];
    if (typeof v !== 'number' || !(Math.fround(v) > 0) || !Number.isFinite(v)) throw new RangeError(`cpuPolicy.observationNormaliser.${field} must be a finite number > 0 (got ${String(v)})`);
    return Math.fround(v);
  };
  return { mean: read('mean'), variance: read('variance'), epsilon: constant('epsilon'), clip: constant('clip') };
}

/** Checks a snapshot against itself (head width, log-std, parameters, statistics) and returns what the CPU policy runs. */
export function checkSnapshot(snapshot: CpuPolicySnapshot): CpuPolicyShape {
  if (!snapshot || typeof snapshot !== 'object') throw new TypeError(`cpuPolicy: the snapshot must be { actor, parameters, actionSpace, … } (got ${String(snapshot)})`);
  const mlp = new CpuMlp(snapshot.actor, 'policy');
  const layout = mlpLayout(snapshot.actor);
  const { branches, box } = spaceParts(snapshot.actionSpace);
  const D = box?.size ?? 0;
  const logits = branches.reduce((sum, n) => sum + n, 0);
  if (mlp.outputSize !== D + logits) {
    throw new RangeError(`cpuPolicy.actor's 'policy' head has ${mlp.outputSize} outputs; the action space needs ${D + logits} (${D} means, then ${logits} logits)`);
  }
  const logStd = layout.extras.logStd;
  if (D > 0 && logStd?.length !== D) throw new RangeError(`cpuPolicy.actor must have extras.logStd of ${D} values, one per continuous dim (got ${logStd?.length ?? 'none'})`);
  const { parameters } = snapshot;
  if (!(parameters instanceof Float32Array) || parameters.length !== layout.parametersPerAgent) {
    throw new RangeError(`cpuPolicy.parameters must be a Float32Array of one agent's ${layout.parametersPerAgent} parameters (got ${parameters instanceof Float32Array ? parameters.length : String(parameters)})`);
  }
  const bad = parameters.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`cpuPolicy.parameters[${bad}] is ${parameters[bad]}; every parameter must be finite`);
  return {
    mlp,
    parameters: parameters.slice(),
    observationSize: snapshot.actor.inputSize,
    actionSpace: snapshot.actionSpace,
    actionMasks: snapshot.actionMasks === true,
    continuousDims: D,
    branches,
    maskWidth: maskWidth(snapshot.actionSpace),
    ...bounds(box),
    logStdOffset: D > 0 ? logStd!.offset : -1,
    normaliser: checkNormaliser(snapshot.observationNormaliser, snapshot.actor.inputSize),
  };
}
