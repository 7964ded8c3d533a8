/**
 * Conjugate gradient on the GPU (Nocedal & Wright, algorithm 5.2; SpinningUp's trpo.py cg):
 * a fixed number of iterations solving (F + λI)·x = b for each agent, where F·v is any product the
 * caller encodes (for TRPO, the Fisher-vector product of src/algos/trpo/fisher.ts). Then the
 * step scale √(2δ / xᵀ(F + λI)x), so that the full step −scale·x has quadratic KL model δ.
 *
 * Per iteration: the product F·p (the caller's), then four dispatches: pᵀAp partials, α, the x/r
 * update with rᵀr partials, β, and p ← r + βp. The scalars (rᵀr, α, β, pᵀAp, xᵀAx, step scale)
 * live in a small GPU record per agent and are reduced by workgroup trees; the CPU never reads them.
 * A fixed iteration count, like SpinningUp's cg_iters = 10 and the TRPO paper's 10: no early exit,
 * so the command buffer is the same every iteration. Past convergence (rᵀr = 0) α and β are 0 and
 * x stays put.
 */
import { BufferSet } from '../../gpu/buffers';
import { createKernel, type Kernel, type SizedKernel } from '../../gpu/kernel';
import { checkPositiveInteger } from '../../nn/heads-common';
import { CG_SCALAR_WORDS, cgDirectionKernel, cgInitKernel, cgScalarsKernel, cgUpdateKernel, checkDamping, checkMaxKl, dotPartialKernel, vectorSizing, type CgScalarMode } from './kernels';

export interface ConjugateGradientConfig {
  /** G independent systems. */
  readonly agents: number;
  /** P: length of each agent's vectors (an MLP layout's parametersPerAgent). */
  readonly parametersPerAgent: number;
  /** CG iterations; SpinningUp's cg_iters and the TRPO paper use 10. */
  readonly iterations: number;
  /** λ of A = F + λI; SpinningUp's damping_coeff = 0.1. */
  readonly damping: number;
  /** KL radius δ of the step scale; SpinningUp's delta = 0.01. */
  readonly maxKl: number;
  readonly label?: string;
}

/** Encodes output = F·vector (both [G][P]); called 1 + iterations times per solve. */
export type OperatorEncoder = (encoder: GPUCommandEncoder, vector: GPUBuffer, output: GPUBuffer) => void;

export interface ConjugateGradient {
  readonly config: Readonly<ConjugateGradientConfig>;
  readonly buffers: {
    /** The solution x [G][P]. */
    readonly x: GPUBuffer;
    readonly residual: GPUBuffer;
    readonly direction: GPUBuffer;
    /** F·p (or F·x for the step scale), written by the caller's operator. */
    readonly product: GPUBuffer;
    /** CgScalars [G] (CG_SCALAR word offsets), f32. */
    readonly scalars: GPUBuffer;
  };
  /** Dispatches besides the operator's, per solve including the step scale. */
  readonly dispatches: number;
  /** Solves (F + λI)x = rhs by `iterations` CG steps, then the step scale into the scalars. */
  encode(encoder: GPUCommandEncoder, io: { readonly rhs: GPUBuffer; readonly operator: OperatorEncoder }): void;
  destroy(): void;
}

export async function createConjugateGradient(device: GPUDevice, config: ConjugateGradientConfig): Promise<ConjugateGradient> {
  const label = config.label ?? 'cg';
  const agents = checkPositiveInteger(`${label}.agents`, config.agents);
  const P = checkPositiveInteger(`${label}.parametersPerAgent`, config.parametersPerAgent);
  const iterations = checkPositiveInteger(`${label}.iterations`, config.iterations);
  const damping = checkDamping(label, config.damping);
  const maxKl = checkMaxKl(label, config.maxKl);
  const shape = { agents, parametersPerAgent: P };
  const { chunks } = vectorSizing(P);

  const compile = async (sized: SizedKernel, suffix = '') => ({
    kernel: await createKernel(device, { ...sized.spec, label: `${label}.${sized.spec.label}${suffix}` }),
    invocations: sized.invocations,
  });
  const init = await compile(cgInitKernel(shape));
  const dot = await compile(dotPartialKernel({ ...shape, damping }));
  const update = await compile(cgUpdateKernel({ ...shape, damping }));
  const direction = await compile(cgDirectionKernel(shape));
  const scalarsOf = (mode: CgScalarMode) => compile(cgScalarsKernel({ ...shape, mode, maxKl }), `.${mode}`);
  const scalarKernels = { init: await scalarsOf('init'), alpha: await scalarsOf('alpha'), beta: await scalarsOf('beta'), step: await scalarsOf('step') };

  const vector = { size: 4 * agents * P };
  const set = new BufferSet(device, label, {
    x: vector,
    residual: vector,
    direction: vector,
    product: vector,
    partials: { size: 4 * agents * chunks },
    scalars: { size: 4 * agents * CG_SCALAR_WORDS },
  });
  const b = set.buffers;
  const bindScalars = (k: { kernel: Kernel }) => k.kernel.bind({ partials: b.partials, scalars: b.scalars });
  const groups = {
    dotP: dot.kernel.bind({ u: b.direction, v: b.product, partials: b.partials }, `${label}.dot.p`),
    dotX: dot.kernel.bind({ u: b.x, v: b.product, partials: b.partials }, `${label}.dot.x`),
    update: update.kernel.bind({ scalars: b.scalars, p: b.direction, fvp: b.product, x: b.x, r: b.residual, partials: b.partials }),
    direction: direction.kernel.bind({ scalars: b.scalars, r: b.residual, p: b.direction }),
    init: bindScalars(scalarKernels.init),
    alpha: bindScalars(scalarKernels.alpha),
    beta: bindScalars(scalarKernels.beta),
    step: bindScalars(scalarKernels.step),
  };
  const initGroups = new Map<GPUBuffer, GPUBindGroup>();
  const vectorBytes = 4 * agents * P;

  return {
    config: Object.freeze({ ...config }),
    buffers: { x: b.x, residual: b.residual, direction: b.direction, product: b.product, scalars: b.scalars },
    dispatches: 2 + 5 * iterations + 2,
    encode(encoder, io) {
      if (io.rhs.size < vectorBytes) throw new RangeError(`${label}: rhs '${io.rhs.label}' holds ${io.rhs.size} bytes; it must hold ${agents} × ${P} floats`);
      let initGroup = initGroups.get(io.rhs);
      if (!initGroup) {
        initGroup = init.kernel.bind({ rhs: io.rhs, x: b.x, r: b.residual, p: b.direction, partials: b.partials }, `${label}.init`);
        initGroups.set(io.rhs, initGroup);
      }
      let pass = encoder.beginComputePass({ label: `${label}.init` });
      init.kernel.dispatch(pass, initGroup, init.invocations);
      scalarKernels.init.kernel.dispatch(pass, groups.init, scalarKernels.init.invocations);
      pass.end();
      for (let i = 0; i < iterations; i += 1) {
        io.operator(encoder, b.direction, b.product);
        pass = encoder.beginComputePass({ label: `${label}.step` });
        dot.kernel.dispatch(pass, groups.dotP, dot.invocations);
        scalarKernels.alpha.kernel.dispatch(pass, groups.alpha, scalarKernels.alpha.invocations);
        update.kernel.dispatch(pass, groups.update, update.invocations);
        scalarKernels.beta.kernel.dispatch(pass, groups.beta, scalarKernels.beta.invocations);
        direction.kernel.dispatch(pass, groups.direction, direction.invocations);
        pass.end();
      }
      // The step scale needs xᵀAx: one more product, at x (SpinningUp: Hx(x) after cg).
      io.operator(encoder, b.x, b.product);
      pass = encoder.beginComputePass({ label: `${label}.step-scale` });
      dot.kernel.dispatch(pass, groups.dotX, dot.invocations);
      scalarKernels.step.kernel.dispatch(pass, groups.step, scalarKernels.step.invocations);
      pass.end();
    },
    destroy() {
      set.destroy();
    },
  };
}
