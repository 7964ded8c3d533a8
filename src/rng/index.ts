export * from './kernels';
export * from './params';
export * from './categories';
