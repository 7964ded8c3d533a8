export * from './baselines';
export * from './kernels';
export * from './normalise';
export * from './returns';
