/**
 * The NaN guard: a NaN or ±Inf in the losses or the parameters stops training with an error that
 * names the iteration and the statistic, and the parameters go back to the last good snapshot,
 * which the GPU keeps. Nothing is read back inside the loop: at the end of each iteration
 * (`encodeCheck`, after the statistics and the updates) three kernels
 *   1. count each agent's non-finite parameters (train.nan_guard_partial, a workgroup tree),
 *   2. judge each agent (train.nan_guard_verdict): parameters, and the statistics record (see
 *      NanGuardConfig.statistics), and write the verdict into the report block's guard words,
 *   3. copy parameters and any extra state (Adam's moments, …) into the snapshot, for the agents
 *      still healthy (train.nan_guard_snapshot, one dispatch per snapshotted buffer).
 * Sticky: once an agent is poisoned its snapshot stays at its last good state. The CPU learns of it
 * with the next report (`checkNanGuard` on the report bytes); the trainer then drains, restores
 * (`encodeRestore` + submit, outside the loop) and throws the NonFiniteError.
 *
 * Call order: `encodeInitialise` once before iteration 0 (the snapshot of the initial state, so a
 * poisoned first iteration has something to go back to), then `encodeCheck` exactly once per
 * iteration (the guard counts its checks to know the iteration), after the report block's
 * statistics are complete.
 */
import { BufferSet, STORAGE_USAGE } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import { checkPositiveInteger } from '../nn/heads-common';
import { STATISTICS, STATISTICS_WORDS, type StatisticName } from '../losses/statistics';
import { GUARD_STATUS_WORD, REPORT_WORDS } from './report';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import nanGuardPartialWgsl from '../../shaders/train/nan_guard_partial.wgsl';
import nanGuardSnapshotWgsl from '../../shaders/train/nan_guard_snapshot.wgsl';
import nanGuardVerdictWgsl from '../../shaders/train/nan_guard_verdict.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';

/** u32 words of guard state per agent (shaders/train/nan_guard_verdict.wgsl). */
export const NAN_GUARD_STATE_WORDS = 4;
/** Bit of the poison mask that stands for the parameters; bits 0…15 are statistics words. */
export const PARAMETERS_BIT = 16;

const PARTIAL_WORKGROUP = 256;
const ITEMS_PER_THREAD = 8;
const VERDICT_WORKGROUP = 64;
const SNAPSHOT_WORKGROUP = 256;

/**
 * Statistics that statistics_finalise always computes, whatever the algorithm's parts: NaN there is
 * never "does not apply", so the guard requires them finite by default.
 */
export const ALWAYS_FINITE_STATISTICS: readonly StatisticName[] = ['policy_loss', 'approx_kl', 'clipfrac', 'ess', 'episode_count', 'nonfinite_terms'];

/**
 * The statistics a trainer built on createStatistics(config) must see finite: the always-computed
 * ones plus those its parts make apply (value loss, entropy, gradient norm, KL penalty β).
 */
export function requiredStatistics(parts: { entropy?: boolean; valueLoss?: boolean; gradNorm?: boolean; klPenalty?: boolean }): StatisticName[] {
  return [
    ...ALWAYS_FINITE_STATISTICS,
    ...((parts.valueLoss ?? true) ? (['value_loss'] as const) : []),
    ...((parts.entropy ?? true) ? (['entropy'] as const) : []),
    ...((parts.gradNorm ?? true) ? (['grad_norm'] as const) : []),
    ...((parts.klPenalty ?? false) ? (['beta'] as const) : []),
  ];
}

export interface NanGuardConfig {
  /** G. */
  readonly agents: number;
  /** P: words per agent of the parameters buffer [G][P] (joint [actor | critic] when both exist). */
  readonly parametersPerAgent: number;
  /** Words per agent of the statistics buffer read by encodeCheck; default STATISTICS_WORDS (≤ 16). */
  readonly statisticsWords?: number;
  /**
   * Statistics that must be finite (NaN or ±Inf poisons); any other statistic poisons only when
   * ±Inf, since NaN marks "does not apply". Default ALWAYS_FINITE_STATISTICS; see requiredStatistics.
   */
  readonly statistics?: readonly StatisticName[];
  /** Poison when nonfinite_terms (loss terms that were NaN or ±Inf) is > 0; default true. */
  readonly checkLossTerms?: boolean;
  /** Other agent-major state snapshotted with the parameters: name → u32/f32 words per agent. */
  readonly state?: Readonly<Record<string, number>>;
  /** Words per agent of the report block and the first of the guard's 3 words; default the report's. */
  readonly reportWords?: number;
  readonly statusWord?: number;
  /** Prefix of every GPU object's label; default 'nan-guard'. */
  readonly label?: string;
}

/** Buffers of one check; `state` must name the same buffers as NanGuardConfig.state. */
export interface NanGuardCheckInputs {
  /** f32 [G][P]. */
  readonly parameters: GPUBuffer;
  /** f32 [G][statisticsWords]: the iteration's statistics record (e.g. createStatistics().buffers.statistics). */
  readonly statistics: GPUBuffer;
  /** The report block [G][reportWords]: the guard writes its 3 status words per agent. */
  readonly report: GPUBuffer;
  readonly state?: Readonly<Record<string, GPUBuffer>>;
}

export interface NanGuard {
  readonly agents: number;
  readonly buffers: {
    /** f32 [G][P]: the last good parameters. */
    readonly snapshot: GPUBuffer;
    /** The last good copy of each NanGuardConfig.state buffer. */
    readonly stateSnapshots: Readonly<Record<string, GPUBuffer>>;
    /** u32 [G][NAN_GUARD_STATE_WORDS] (shaders/train/nan_guard_verdict.wgsl). */
    readonly guardState: GPUBuffer;
    /** u32 [G][chunks] scratch. */
    readonly partialCounts: GPUBuffer;
  };
  /** Dispatches per check: 2 + 1 per snapshotted buffer (parameters and each state). */
  readonly dispatches: number;
  /** Records the unconditional snapshot of the initial state and a fresh guard state (before iteration 0). */
  encodeInitialise(encoder: GPUCommandEncoder, inputs: Pick<NanGuardCheckInputs, 'parameters' | 'state'>): void;
  /** Records the end-of-iteration check into a new compute pass of `encoder`. */
  encodeCheck(encoder: GPUCommandEncoder, inputs: NanGuardCheckInputs): void;
  /** Records copies of every agent's last good snapshot back into the live buffers (outside the loop). */
  encodeRestore(encoder: GPUCommandEncoder, inputs: Pick<NanGuardCheckInputs, 'parameters' | 'state'>): void;
  /**
   * The trainer's side, on each report it reads back: when an agent is poisoned, restores every
   * agent's snapshot (one submit, queued after any iteration still in flight; `afterRestore` records
   * what must follow, e.g. copying the joint parameters into the actor's and critic's buffers),
   * waits for it, and throws the NonFiniteError. Otherwise returns at once.
   */
  throwIfPoisoned(
    reportBytes: ArrayBuffer,
    live: Pick<NanGuardCheckInputs, 'parameters' | 'state'>,
    afterRestore?: (encoder: GPUCommandEncoder) => void,
  ): Promise<void>;
  destroy(): void;
}

/** Counts non-finite parameters per chunk. Bindings: parameters (u32 bits), partial_counts. */
export const NAN_GUARD_PARTIAL: KernelSpec = {
  label: 'train.nan_guard_partial',
  parts: [dispatchWgsl, reduceWgsl, nanGuardPartialWgsl],
  workgroupSize: PARTIAL_WORKGROUP,
};

/** Judges each agent and writes the report's guard words. Bindings: partial_counts, statistics, guard_state, report. */
export const NAN_GUARD_VERDICT: KernelSpec = {
  label: 'train.nan_guard_verdict',
  parts: [dispatchWgsl, nanGuardVerdictWgsl],
  workgroupSize: VERDICT_WORKGROUP,
};

/** Copies healthy agents' words into the snapshot. Bindings: guard_state, source, snapshot. */
export const NAN_GUARD_SNAPSHOT: KernelSpec = {
  label: 'train.nan_guard_snapshot',
  parts: [dispatchWgsl, nanGuardSnapshotWgsl],
  workgroupSize: SNAPSHOT_WORKGROUP,
};

/** Workgroups (chunks) per agent of the partial count. */
export const nanGuardChunks = (parametersPerAgent: number): number => Math.ceil(parametersPerAgent / (PARTIAL_WORKGROUP * ITEMS_PER_THREAD));

export function nanGuardPartialSpec(agents: number, parametersPerAgent: number): KernelSpec {
  return {
    ...NAN_GUARD_PARTIAL,
    constants: { AGENTS: agents, PARAMETERS_PER_AGENT: parametersPerAgent, CHUNKS: nanGuardChunks(parametersPerAgent), ITEMS_PER_THREAD },
  };
}

export function nanGuardVerdictSpec(shape: {
  agents: number;
  parametersPerAgent: number;
  statisticsWords?: number;
  requiredMask: number;
  lossTermsWord?: number;
  reportWords?: number;
  statusWord?: number;
}): KernelSpec {
  return {
    ...NAN_GUARD_VERDICT,
    constants: {
      AGENTS: shape.agents,
      CHUNKS: nanGuardChunks(shape.parametersPerAgent),
      STATISTICS_WORDS: shape.statisticsWords ?? STATISTICS_WORDS,
      REQUIRED_MASK: shape.requiredMask,
      LOSS_TERMS_WORD: shape.lossTermsWord ?? 0xffffffff,
      REPORT_WORDS: shape.reportWords ?? REPORT_WORDS,
      STATUS_WORD: shape.statusWord ?? GUARD_STATUS_WORD,
      STATE_WORDS: NAN_GUARD_STATE_WORDS,
      PARAMETERS_BIT,
    },
  };
}

export function nanGuardSnapshotSpec(agents: number, wordsPerAgent: number): KernelSpec {
  return { ...NAN_GUARD_SNAPSHOT, constants: { AGENTS: agents, WORDS_PER_AGENT: wordsPerAgent, STATE_WORDS: NAN_GUARD_STATE_WORDS } };
}

/** Representative specs for the kernel catalogue. */
export function nanGuardKernelExamples(): KernelSpec[] {
  return [
    nanGuardPartialSpec(3, 4099),
    nanGuardVerdictSpec({ agents: 3, parametersPerAgent: 4099, requiredMask: statisticsMask(ALWAYS_FINITE_STATISTICS), lossTermsWord: STATISTICS.nonfinite_terms }),
    nanGuardSnapshotSpec(3, 4099),
  ];
}

/** Bit s set for each named statistic at word s. */
export function statisticsMask(names: readonly StatisticName[]): number {
  let mask = 0;
  for (const name of names) {
    const word = STATISTICS[name];
    if (word === undefined) throw new RangeError(`nan guard: unknown statistic '${String(name)}' (valid: ${Object.keys(STATISTICS).join(', ')})`);
    mask |= 1 << word;
  }
  return mask >>> 0;
}

/** Compiles the guard's kernels and allocates its buffers (once, at initialisation). */
export async function createNanGuard(device: GPUDevice, config: NanGuardConfig): Promise<NanGuard> {
  const label = config.label ?? 'nan-guard';
  const agents = checkPositiveInteger(`${label}.agents`, config.agents);
  const P = checkPositiveInteger(`${label}.parametersPerAgent`, config.parametersPerAgent);
  const statisticsWords = checkPositiveInteger(`${label}.statisticsWords`, config.statisticsWords ?? STATISTICS_WORDS);
  if (statisticsWords > PARAMETERS_BIT) {
    throw new RangeError(`${label}.statisticsWords must be at most ${PARAMETERS_BIT} (bit ${PARAMETERS_BIT} of the poison mask is the parameters; got ${statisticsWords})`);
  }
  const stateWords = Object.entries(config.state ?? {});
  for (const [name, words] of stateWords) checkPositiveInteger(`${label}.state.${name}`, words);
  const requiredMask = statisticsMask(config.statistics ?? ALWAYS_FINITE_STATISTICS);
  const lossTermsWord = (config.checkLossTerms ?? true) ? STATISTICS.nonfinite_terms : 0xffffffff;
  const chunks = nanGuardChunks(P);

  const partialKernel: Kernel = await createKernel(device, nanGuardPartialSpec(agents, P));
  const verdictKernel: Kernel = await createKernel(
    device,
    nanGuardVerdictSpec({ agents, parametersPerAgent: P, statisticsWords, requiredMask, lossTermsWord, ...(config.reportWords !== undefined ? { reportWords: config.reportWords } : {}), ...(config.statusWord !== undefined ? { statusWord: config.statusWord } : {}) }),
  );
  const snapshotKernels = new Map<number, Kernel>();
  for (const words of [P, ...stateWords.map(([, w]) => w)]) {
    if (!snapshotKernels.has(words)) snapshotKernels.set(words, await createKernel(device, nanGuardSnapshotSpec(agents, words)));
  }

  const set = new BufferSet(device, label, {
    snapshot: { size: 4 * agents * P },
    guardState: { size: 4 * NAN_GUARD_STATE_WORDS * agents },
    partialCounts: { size: 4 * agents * chunks },
  });
  const stateSet = new BufferSet(
    device,
    `${label}.state-snapshot`,
    Object.fromEntries(stateWords.map(([name, words]) => [name, { size: 4 * agents * words, usage: STORAGE_USAGE() }])),
  );
  const b = set.buffers;

  // Each live buffer with its snapshot and words per agent, in a fixed order.
  const pairs = (inputs: Pick<NanGuardCheckInputs, 'parameters' | 'state'>) => {
    const given = inputs.state ?? {};
    for (const name of Object.keys(given)) {
      if (!(config.state && name in config.state)) throw new RangeError(`${label}: state '${name}' was not declared in NanGuardConfig.state`);
    }
    return [
      { source: inputs.parameters, snapshot: b.snapshot, words: P },
      ...stateWords.map(([name, words]) => {
        const source = given[name];
        if (!source) throw new RangeError(`${label}: state buffer '${name}' is missing`);
        return { source, snapshot: stateSet.buffers[name]!, words };
      }),
    ];
  };

  // Bind groups are made on first use per set of input buffers, then reused (none per iteration).
  const groups = new Map<string, GPUBindGroup>();
  const ids = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const id = (buffer: GPUBuffer) => {
    let v = ids.get(buffer);
    if (v === undefined) ids.set(buffer, (v = nextId += 1));
    return v;
  };
  const cached = (key: string, make: () => GPUBindGroup) => {
    let group = groups.get(key);
    if (!group) groups.set(key, (group = make()));
    return group;
  };

  const guard: NanGuard = {
    agents,
    buffers: { snapshot: b.snapshot, stateSnapshots: stateSet.buffers, guardState: b.guardState, partialCounts: b.partialCounts },
    dispatches: 3 + stateWords.length,
    encodeInitialise(encoder, inputs) {
      for (const pair of pairs(inputs)) encoder.copyBufferToBuffer(pair.source, 0, pair.snapshot, 0, 4 * agents * pair.words);
      encoder.clearBuffer(b.guardState);
    },
    encodeCheck(encoder, inputs) {
      const copies = pairs(inputs);
      const partial = cached(`partial:${id(inputs.parameters)}`, () =>
        partialKernel.bind({ parameters: inputs.parameters, partial_counts: b.partialCounts }, `${label}.partial`),
      );
      const verdict = cached(`verdict:${id(inputs.statistics)},${id(inputs.report)}`, () =>
        verdictKernel.bind({ partial_counts: b.partialCounts, statistics: inputs.statistics, guard_state: b.guardState, report: inputs.report }, `${label}.verdict`),
      );
      const snapshots = copies.map((pair) =>
        cached(`snapshot:${id(pair.source)},${id(pair.snapshot)}`, () =>
          snapshotKernels.get(pair.words)!.bind({ guard_state: b.guardState, source: pair.source, snapshot: pair.snapshot }, `${label}.snapshot`),
        ),
      );
      const pass = encoder.beginComputePass({ label: `${label}.check` });
      partialKernel.dispatch(pass, partial, agents * chunks * PARTIAL_WORKGROUP);
      verdictKernel.dispatch(pass, verdict, agents);
      copies.forEach((pair, k) => snapshotKernels.get(pair.words)!.dispatch(pass, snapshots[k]!, agents * pair.words));
      pass.end();
    },
    encodeRestore(encoder, inputs) {
      for (const pair of pairs(inputs)) encoder.copyBufferToBuffer(pair.snapshot, 0, pair.source, 0, 4 * agents * pair.words);
    },
    async throwIfPoisoned(reportBytes, live, afterRestore) {
      const layout = { ...(config.reportWords !== undefined ? { reportWords: config.reportWords } : {}), ...(config.statusWord !== undefined ? { statusWord: config.statusWord } : {}) };
      const error = nonFiniteError(reportBytes, agents, layout);
      if (!error) return;
      const encoder = device.createCommandEncoder({ label: `${label}.restore` });
      guard.encodeRestore(encoder, live);
      afterRestore?.(encoder);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      throw nonFiniteError(reportBytes, agents, { ...layout, restored: true })!;
    },
    destroy() {
      set.destroy();
      stateSet.destroy();
    },
  };
  return guard;
}

/** What the guard says about one agent, decoded from the report block. */
export interface NanGuardStatus {
  /** A check found a non-finite value (sticky). */
  readonly poisoned: boolean;
  /** At the first poisoned check: the non-finite statistics in word order, then 'parameters'. */
  readonly nonFinite: readonly (StatisticName | 'parameters')[];
  /** The iteration of the first poisoned check (NaN while healthy). */
  readonly iteration: number;
  /** The iteration whose state the snapshot holds; −1: the state at initialisation. */
  readonly snapshotIteration: number;
}

const STATISTIC_BY_WORD = new Map<number, StatisticName>((Object.entries(STATISTICS) as [StatisticName, number][]).map(([name, word]) => [word, name]));

/** Decodes the guard words of `agents` agents from report bytes. */
export function decodeNanGuard(
  bytes: ArrayBuffer,
  agents: number,
  layout: { reportWords?: number; statusWord?: number } = {},
): NanGuardStatus[] {
  const words = new Uint32Array(bytes);
  const stride = layout.reportWords ?? REPORT_WORDS;
  const at = layout.statusWord ?? GUARD_STATUS_WORD;
  return Array.from({ length: agents }, (_, g) => {
    const mask = words[g * stride + at]!;
    const nonFinite: (StatisticName | 'parameters')[] = [];
    for (let s = 0; s < PARAMETERS_BIT; s += 1) {
      if ((mask >>> s) & 1) nonFinite.push(STATISTIC_BY_WORD.get(s) ?? (`word ${s}` as StatisticName));
    }
    if ((mask >>> PARAMETERS_BIT) & 1) nonFinite.push('parameters');
    return {
      poisoned: mask !== 0,
      nonFinite,
      iteration: mask !== 0 ? words[g * stride + at + 1]! : Number.NaN,
      snapshotIteration: words[g * stride + at + 2]! - 1,
    };
  });
}

/** Training stopped: a statistic or the parameters of an agent were NaN or ±Inf. */
export class NonFiniteError extends Error {
  constructor(
    /** The iteration whose check first saw it. */
    readonly iteration: number,
    /** The first non-finite statistic, or 'parameters'. */
    readonly statistic: StatisticName | 'parameters',
    /** Everything non-finite at that check. */
    readonly nonFinite: readonly (StatisticName | 'parameters')[],
    /** The agent (0 … G − 1) whose values were non-finite. */
    readonly agent: number,
    /** The iteration whose state the snapshot holds (−1: initialisation). */
    readonly snapshotIteration: number,
    /** True once the trainer has copied the snapshot back into the parameters. */
    readonly restored: boolean,
  ) {
    const others = nonFinite.filter((n) => n !== statistic);
    const snapshot = snapshotIteration < 0 ? 'the initial parameters' : `the last good snapshot (after iteration ${snapshotIteration})`;
    const what =
      statistic === 'nonfinite_terms'
        ? 'loss terms were NaN or ±Inf (nonfinite_terms > 0)'
        : `${statistic} ${statistic === 'parameters' ? 'are' : 'is'} not finite`;
    super(
      `training stopped at iteration ${iteration}: ${what} (agent ${agent}${others.length > 0 ? `; also ${others.join(', ')}` : ''}); ` +
        `parameters ${restored ? 'restored to' : 'can be restored to'} ${snapshot}`,
    );
    this.name = 'NonFiniteError';
  }
}

/**
 * The first poisoned agent's NonFiniteError from report bytes, or null when every agent is healthy.
 * `restored`: whether the trainer has restored the snapshot (it should, then throw).
 */
export function nonFiniteError(
  bytes: ArrayBuffer,
  agents: number,
  options: { restored?: boolean; reportWords?: number; statusWord?: number } = {},
): NonFiniteError | null {
  const statuses = decodeNanGuard(bytes, agents, options);
  const first = statuses.findIndex((s) => s.poisoned);
  if (first < 0) return null;
  // The earliest poisoned iteration names the run's failure; ties go to the lowest agent.
  const g = statuses.reduce((best, s, k) => (s.poisoned && s.iteration < statuses[best]!.iteration ? k : best), first);
  const s = statuses[g]!;
  return new NonFiniteError(s.iteration, s.nonFinite[0]!, s.nonFinite, g, s.snapshotIteration, options.restored ?? false);
}
