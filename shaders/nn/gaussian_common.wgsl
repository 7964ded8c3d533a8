// Include-only: the diagonal Gaussian policy head (needs common/dispatch.wgsl).
//
// Rows are agent-major: ROWS = G·B, row r belongs to agent floor(r / ROWS_PER_AGENT). The mean of
// row r, dim d is mean[r·MEAN_STRIDE + MEAN_OFFSET + d] (a slice of the network output); the
// log-std s_d is state-independent, log_std[agent·LOG_STD_AGENT_STRIDE + LOG_STD_OFFSET + d]:
//   learned: the parameter buffer, LOG_STD_AGENT_STRIDE = parameters per agent and LOG_STD_OFFSET
//            the MlpLayout `extras.logStd` slot;
//   fixed σ: a small buffer holding log σ per dim, LOG_STD_AGENT_STRIDE = 0 (a schedule may rewrite
//            it between iterations without a pipeline rebuild).
// Row r's action dims are actions[r·ACTION_STRIDE + ACTION_OFFSET + d]: dense [ROWS][ACTION_DIMS] f32
// for a box, the first ACTION_DIMS words of a hybrid action's row of D + K words. σ = exp(s), z = (a - μ)/σ, and per dim
//   log π = -½ z² - s - ½ log 2π,  H = s + ½ log(2πe).

override ROWS: u32;
override ROWS_PER_AGENT: u32;
override ACTION_DIMS: u32;
override MEAN_STRIDE: u32;
override MEAN_OFFSET: u32 = 0u;
override LOG_STD_AGENT_STRIDE: u32;
override LOG_STD_OFFSET: u32 = 0u;
override ACTION_STRIDE: u32;
override ACTION_OFFSET: u32 = 0u;

const HALF_LOG_TWO_PI: f32 = 0.91893853320467274;
// ½ log(2πe) = ½ + ½ log 2π: the entropy of N(0, 1).
const STANDARD_NORMAL_ENTROPY: f32 = 1.41893853320467274;

fn gaussian_mean_index(r: u32, d: u32) -> u32 {
  return r * MEAN_STRIDE + MEAN_OFFSET + d;
}

fn gaussian_action_index(r: u32, d: u32) -> u32 {
  return r * ACTION_STRIDE + ACTION_OFFSET + d;
}

fn gaussian_log_std_index(r: u32, d: u32) -> u32 {
  return (r / ROWS_PER_AGENT) * LOG_STD_AGENT_STRIDE + LOG_STD_OFFSET + d;
}

// One dim's log-density. z is formed as (a - μ)·exp(-s), one rounding fewer than a division by σ.
fn gaussian_log_density(action: f32, mean: f32, log_std: f32) -> f32 {
  let z = (action - mean) * exp(-log_std);
  return -0.5 * z * z - log_std - HALF_LOG_TWO_PI;
}
