/** webgpu-rl: policy-gradient reinforcement learning on WebGPU compute shaders. */
export * from './gpu/index';
export * from './nn/index';
export * from './rng/index';
export const VERSION = '0.1.0';
