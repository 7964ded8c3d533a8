/**
 * The most actions a categorical branch may have. Must match `MAX_CATEGORIES` in
 * shaders/rng/philox.wgsl: the samplers copy a row's logits to function memory. A module of its own
 * so that config validation can check it without loading any kernel.
 */
export const MAX_CATEGORIES = 64;
