/**
 * `webgpu-rl/engine`: the engine's building blocks, for those who build their own trainer or env
 * pipeline on the same kernels: the GPU runtime (device, kernel specs, buffers, readback, dispatch),
 * the RNG, the MLP passes and heads, envs and vector envs, returns, losses, normalisers, the rollout,
 * the iteration loop, every algorithm's trainer factory, checkpoints and ONNX export. Everything the
 * package root exports is here too. These are internals: they follow the engine's minor version,
 * and a change of a minor version may change them.
 *
 * @packageDocumentation
 * @module webgpu-rl/engine
 */
export * from './index';
export * from './agent/policy-inference';
export * from './algos/index';
export * from './algos/a2c/a2c';
export * from './algos/a2c/config';
export * from './algos/behaviour-cloning/behaviour-cloning';
export * from './algos/cem/cem';
export * from './algos/cem/config';
export * from './algos/cem/kernels';
export * from './algos/offpolicy/offpolicy';
export * from './algos/offpolicy/config';
export * from './algos/ppo/config';
export * from './algos/ppo/ppo';
export * from './algos/ppo-kl/ppo-kl';
export * from './algos/ppo-kl/config';
export * from './algos/reinforce/config';
export * from './algos/reinforce/reinforce';
export * from './algos/trpo/config';
export * from './algos/trpo/conjugate-gradient';
export * from './algos/trpo/fisher';
export * from './algos/trpo/kernels';
export * from './algos/trpo/line-search';
export * from './algos/trpo/trpo';
export * from './envs/index';
export * from './export/index';
export * from './gpu/index';
export * from './losses/index';
export * from './nn/index';
export * from './normalise/index';
export * from './returns/index';
export * from './rng/index';
export * from './rollout/index';
export * from './train/index';
