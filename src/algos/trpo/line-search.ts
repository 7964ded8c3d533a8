/**
 * TRPO's backtracking line search with every candidate evaluated at once ("the agent
 * dimension … is what makes the TRPO line search cheap on a GPU"). For each agent g and
 * k = 0 … K − 1 the candidate θ_k = θ − backtrack^k·step_scale·x becomes agent g·K + k of one MLP
 * forward over K copies of the agent's batch rows; a row kernel (categorical, or diagonal Gaussian
 * with a state-independent log-std that moves with θ) forms each candidate's surrogate
 * improvement (ρ − 1)·Â and KL(π_old ‖ π_θk), a segmented reduction takes their means, and one
 * kernel picks the first candidate with improvement > 0 and KL ≤ δ (SpinningUp's trpo.py test,
 * with a strict improvement), writing the LineSearchResult record; a last kernel copies that
 * candidate into θ, or leaves θ when none passed. Nothing is read back.
 *
 * Sequential backtracking evaluates one candidate at a time and stops at the first that passes;
 * this evaluates all K (K times the forward work of one) in the dispatches of one, which on a GPU
 * is the cheaper trade for small policies. The inputs are copied K times per agent
 * (copyBufferToBuffer, no dispatch) because the MLP passes read agent c's rows at c·B.
 */
import { BufferSet } from '../../gpu/buffers';
import { createKernel, type SizedKernel } from '../../gpu/kernel';
import { createSegmentedMoments, SEGMENT_STATS_BYTES } from '../../gpu/reduce';
import { createMlpPasses, type MlpPasses } from '../../nn/mlp';
import type { MlpLayout } from '../../nn/mlp-spec';
import { checkPositiveInteger } from '../../nn/heads-common';
import { LINE_SEARCH_WORDS, checkMaxKl, lineSearchApplyKernel, lineSearchCandidatesKernel, lineSearchSelectKernel, lineSearchTermsGaussianKernel, lineSearchTermsKernel } from './kernels';

export interface LineSearchConfig {
  /** The policy network (one head, the categorical logits). */
  readonly layout: MlpLayout;
  /** Name of the policy head; default 'policy'. */
  readonly head?: string;
  /** The policy's distribution; default 'categorical'. 'gaussian' needs the layout's extras.logStd. */
  readonly distribution?: 'categorical' | 'gaussian';
  /** G agents. */
  readonly agents: number;
  /** B batch rows per agent. */
  readonly rowsPerAgent: number;
  /** K candidates; SpinningUp's backtrack_iters = 10. */
  readonly candidates: number;
  /** Shrink factor per candidate; the TRPO paper's 0.5 (SpinningUp: 0.8). */
  readonly backtrack: number;
  /** KL radius δ; SpinningUp's delta = 0.01. */
  readonly maxKl: number;
  readonly masked?: boolean;
  /**
   * A categorical policy's branch sizes (a multi-discrete space's nvec, summing to the head's
   * width; actions u32 [G·B][K]); default one branch of the whole width.
   */
  readonly branches?: readonly number[];
  readonly label?: string;
}

export interface LineSearchIo {
  /** θ [G][P]: read for the candidates, overwritten by the accepted one. */
  readonly params: GPUBuffer;
  /** x [G][P], the CG solution (the step is −step_scale·x). */
  readonly direction: GPUBuffer;
  /** CgScalars [G] from conjugate gradient (step_scale, rr_initial). */
  readonly scalars: GPUBuffer;
  /** Observations [G·B][inputSize] (may be longer; the first G·B rows are read). */
  readonly inputs: GPUBuffer;
  /** π_old's head outputs [G·B][A], dense (logits, or the Gaussian mean): the θ_old forward over the same rows. */
  readonly oldOutputs: GPUBuffer;
  /** Actions taken: u32 [G·B] (categorical), u32 [G·B][K] (K branches) or f32 [G·B][D] (Gaussian). */
  readonly actions: GPUBuffer;
  /** f32 [G·B] advantages Â (normalised or not: the caller's choice). */
  readonly advantages: GPUBuffer;
  /** u32 [G·B][A], when configured `masked`. */
  readonly mask?: GPUBuffer;
}

export interface LineSearch {
  /** The candidates' MLP passes (agents G·K); `outputs[head]` holds every candidate's logits. */
  readonly passes: MlpPasses;
  readonly buffers: {
    /** θ_k [G·K][P]. */
    readonly candidates: GPUBuffer;
    /** [2][G·K·B]: (ρ − 1)·Â, then KL, per candidate row. */
    readonly terms: GPUBuffer;
    /** Moments records [2·G·K]: improvement of candidate c at record c, KL at G·K + c. */
    readonly moments: GPUBuffer;
    /** LineSearchResult [G] (LINE_SEARCH word offsets), f32. */
    readonly result: GPUBuffer;
  };
  encode(encoder: GPUCommandEncoder, io: LineSearchIo): void;
  destroy(): void;
}

/** One LINE_SEARCH_TERMS per branch over its slices; branch 0 overwrites, the last turns log ρ into (ρ − 1)·Â. */
function branchTermsKernels(
  label: string,
  shape: { agents: number; candidates: number; rowsPerAgent: number; width: number; masked?: boolean | undefined },
  branches: readonly number[],
): SizedKernel[] {
  const total = branches.reduce((sum, n) => sum + n, 0);
  if (total !== shape.width) throw new RangeError(`${label}: the branches [${branches.join(', ')}] sum to ${total}, but the head has ${shape.width} logits`);
  let start = 0;
  return branches.map((actions, b) => {
    const slice = { stride: shape.width, offset: start };
    start += actions;
    return lineSearchTermsKernel({
      agents: shape.agents,
      candidates: shape.candidates,
      rowsPerAgent: shape.rowsPerAgent,
      actions,
      masked: shape.masked ?? false,
      logits: slice,
      oldLogits: slice,
      mask: slice,
      actionColumn: { stride: branches.length, offset: b },
      accumulate: b > 0,
      lastBranch: b === branches.length - 1,
    });
  });
}

export async function createLineSearch(device: GPUDevice, config: LineSearchConfig): Promise<LineSearch> {
  const label = config.label ?? 'line-search';
  const { layout } = config;
  const head = config.head ?? 'policy';
  const headLayer = layout.headLayer[head];
  if (headLayer === undefined) throw new RangeError(`${label}: head '${head}' is not a head of the network`);
  const A = layout.layers[headLayer]!.outputSize;
  const gaussian = config.distribution === 'gaussian';
  if (config.distribution !== undefined && config.distribution !== 'categorical' && !gaussian) {
    throw new RangeError(`${label}: distribution must be 'categorical' or 'gaussian' (got ${String(config.distribution)})`);
  }
  const logStd = layout.extras.logStd;
  if (gaussian && (!logStd || logStd.length !== A)) throw new RangeError(`${label}: a Gaussian policy needs the layout's extras.logStd of ${A} floats`);
  if (gaussian && config.masked) throw new RangeError(`${label}: action masks apply to categorical policies only`);
  const G = checkPositiveInteger(`${label}.agents`, config.agents);
  const B = checkPositiveInteger(`${label}.rowsPerAgent`, config.rowsPerAgent);
  const K = checkPositiveInteger(`${label}.candidates`, config.candidates);
  const maxKl = checkMaxKl(label, config.maxKl);
  const P = layout.parametersPerAgent;
  const OBS = layout.spec.inputSize;
  const shape = { agents: G, parametersPerAgent: P, candidates: K, backtrack: config.backtrack };
  const sizes = {
    candidates: lineSearchCandidatesKernel(shape),
    terms: gaussian
      ? [lineSearchTermsGaussianKernel({ agents: G, candidates: K, rowsPerAgent: B, actionDims: A, parametersPerAgent: P, logStdOffset: logStd!.offset })]
      : branchTermsKernels(label, { agents: G, candidates: K, rowsPerAgent: B, width: A, masked: config.masked }, config.branches ?? [A]),
    select: lineSearchSelectKernel({ ...shape, rowsPerAgent: B, maxKl }),
    apply: lineSearchApplyKernel(shape),
  };
  const compile = (s: SizedKernel) => createKernel(device, { ...s.spec, label: `${label}.${s.spec.label}` });
  const candidatesKernel = await compile(sizes.candidates);
  const termsKernels = await Promise.all(sizes.terms.map(compile));
  const actionWords = gaussian ? A : (config.branches ?? [A]).length;
  const selectKernel = await compile(sizes.select);
  const applyKernel = await compile(sizes.apply);

  const owned: { destroy(): void }[] = [];
  try {
    const passes = await createMlpPasses(device, layout, { agents: G * K, rowsPerAgent: B, label: `${label}.mlp` });
    owned.push(passes);
    const moments = await createSegmentedMoments(device, { segments: 2 * G * K, layout: { kind: 'contiguous', length: B }, label: `${label}.moments` });
    owned.push(moments);
    const set = new BufferSet(device, label, {
      candidates: { size: 4 * G * K * P },
      inputs: { size: 4 * G * K * B * OBS },
      terms: { size: 4 * 2 * G * K * B },
      moments: { size: SEGMENT_STATS_BYTES * 2 * G * K },
      result: { size: 4 * G * LINE_SEARCH_WORDS },
      // Stands in for the mask binding when there is no mask (never read then).
      unused: { size: 16 },
    });
    owned.push(set);
    const b = set.buffers;
    const outputs = passes.outputs[head]!;
    const cache = new Map<string, { candidates: GPUBindGroup; terms: GPUBindGroup[]; select: GPUBindGroup; apply: GPUBindGroup }>();
    // Bind groups are cached by the identity of the caller's buffers (a trainer passes the same ones every time).
    const ids = new WeakMap<GPUBuffer, number>();
    let nextId = 0;
    const idOf = (buffer: GPUBuffer) => {
      let id = ids.get(buffer);
      if (id === undefined) ids.set(buffer, (id = nextId++));
      return id;
    };
    const groupsFor = (io: LineSearchIo) => {
      const key = [io.params, io.direction, io.scalars, io.oldOutputs, io.actions, io.advantages, io.mask ?? b.unused].map(idOf).join(',');
      let groups = cache.get(key);
      if (!groups) {
        const check = (name: string, buffer: GPUBuffer, bytes: number) => {
          if (buffer.size < bytes) throw new RangeError(`${label}: ${name} '${buffer.label}' holds ${buffer.size} bytes; it must hold ${bytes}`);
        };
        check('params', io.params, 4 * G * P);
        check('direction', io.direction, 4 * G * P);
        check('inputs', io.inputs, 4 * G * B * OBS);
        check('oldOutputs', io.oldOutputs, 4 * G * B * A);
        check('actions', io.actions, 4 * G * B * actionWords);
        check('advantages', io.advantages, 4 * G * B);
        if (config.masked && !io.mask) throw new TypeError(`${label}: configured masked, so encode needs a mask buffer`);
        groups = {
          candidates: candidatesKernel.bind({ params: io.params, direction: io.direction, scalars: io.scalars, candidates: b.candidates }),
          terms: gaussian
            ? [termsKernels[0]!.bind({
                means: outputs,
                candidates: b.candidates,
                old_means: io.oldOutputs,
                params: io.params,
                actions: io.actions,
                advantages: io.advantages,
                terms: b.terms,
              })]
            : termsKernels.map((kernel) =>
                kernel.bind({
                  logits: outputs,
                  old_logits: io.oldOutputs,
                  mask: io.mask ?? b.unused,
                  actions: io.actions,
                  advantages: io.advantages,
                  terms: b.terms,
                }),
              ),
          select: selectKernel.bind({ moments: b.moments, scalars: io.scalars, result: b.result }),
          apply: applyKernel.bind({ result: b.result, candidates: b.candidates, params: io.params }),
        };
        if (cache.size >= 8) cache.clear();
        cache.set(key, groups);
      }
      return groups;
    };

    return {
      passes,
      buffers: { candidates: b.candidates, terms: b.terms, moments: b.moments, result: b.result },
      encode(encoder, io) {
        const groups = groupsFor(io);
        const rowBytes = 4 * B * OBS;
        for (let g = 0; g < G; g += 1) {
          for (let k = 0; k < K; k += 1) encoder.copyBufferToBuffer(io.inputs, g * rowBytes, b.inputs, (g * K + k) * rowBytes, rowBytes);
        }
        let pass = encoder.beginComputePass({ label: `${label}.candidates` });
        candidatesKernel.dispatch(pass, groups.candidates, sizes.candidates.invocations);
        pass.end();
        passes.encodeForward(encoder, { params: b.candidates, inputs: b.inputs });
        pass = encoder.beginComputePass({ label: `${label}.choose` });
        // Branch by branch, in order: each adds its log ρ and KL to the earlier branches'.
        termsKernels.forEach((kernel, i) => kernel.dispatch(pass, groups.terms[i]!, sizes.terms[i]!.invocations));
        moments.encode(pass, { values: b.terms, output: b.moments });
        selectKernel.dispatch(pass, groups.select, sizes.select.invocations);
        applyKernel.dispatch(pass, groups.apply, sizes.apply.invocations);
        pass.end();
      },
      destroy() {
        for (const x of owned.reverse()) x.destroy();
        owned.length = 0;
      },
    };
  } catch (error) {
    for (const x of owned.reverse()) x.destroy();
    throw error;
  }
}
