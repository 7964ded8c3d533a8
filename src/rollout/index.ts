export * from './kernels';
export * from './rollout';
export * from './transitions';
