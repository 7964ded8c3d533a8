// Include-only: where a categorical kernel finds row r's action, actions[r·ACTIONS_STRIDE +
// ACTION_OFFSET]. Dense [ROWS] by default; a multi-discrete action is a row of one u32 per branch,
// and the kernel of branch b reads word b of it (ACTIONS_STRIDE = branches, ACTION_OFFSET = b).

override ACTIONS_STRIDE: u32 = 1u;
override ACTION_OFFSET: u32 = 0u;

fn categorical_action_index(r: u32) -> u32 {
  return r * ACTIONS_STRIDE + ACTION_OFFSET;
}
