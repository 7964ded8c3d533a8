/**
 * The most actions a discrete action space (a categorical policy) may have. The categorical kernels
 * (shaders/nn/categorical_common.wgsl, shaders/rng/categorical.wgsl) stream each row of logits
 * from memory, one invocation per row, so no private array bounds the size; the limit keeps one
 * invocation's serial walk over its row short (a few passes of 1 024 logits). A module of its own
 * so that config validation can check it without loading any kernel.
 */
export const MAX_DISCRETE_ACTIONS = 1024;

/**
 * The former name of MAX_DISCRETE_ACTIONS, from when the kernels copied a row of at most 64 logits
 * into function memory.
 *
 * @deprecated Use MAX_DISCRETE_ACTIONS (the same value).
 */
export const MAX_CATEGORIES = MAX_DISCRETE_ACTIONS;

