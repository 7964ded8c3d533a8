export * from './kernels';
export * from './params';
