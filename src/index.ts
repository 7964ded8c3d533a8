/** webgpu-rl: policy-gradient reinforcement learning on WebGPU compute shaders. */
export * from './agent/index';
export * from './algos/index';
export * from './envs/index';
export * from './export/index';
export * from './gpu/index';
export * from './losses/index';
export * from './nn/index';
export * from './normalise/index';
export * from './persistence/index';
export * from './returns/index';
export * from './rng/index';
export * from './rollout/index';
export * from './train/index';
export { ENGINE_VERSION as VERSION } from './version';
