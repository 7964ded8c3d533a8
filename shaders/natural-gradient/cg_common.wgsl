// Include-only: one agent's conjugate-gradient scalars (CG_SCALAR in src/algos/trpo/kernels.ts
// mirrors the word offsets). Kept on the GPU between the CG kernels: the CPU never sees α or β.

struct CgScalars {
  rr: f32,          // rᵀr of the current residual
  alpha: f32,       // α = rᵀr / pᵀAp of the last step (0 when pᵀAp ≤ 0 or not finite)
  beta: f32,        // β = r_newᵀr_new / r_oldᵀr_old of the last direction update (0 when r_oldᵀr_old = 0)
  p_ap: f32,        // pᵀAp of the last step
  x_ax: f32,        // xᵀAx of the solution (MODE_STEP)
  step_scale: f32,  // √(2δ / xᵀAx): the step is −step_scale·x (0 when xᵀAx ≤ 0 or not finite)
  rr_initial: f32,  // bᵀb = ‖g‖², the squared gradient norm
  reserved: f32,
}

fn cg_is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
