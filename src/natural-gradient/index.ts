export * from './conjugate-gradient';
export * from './fisher';
export * from './kernels';
export * from './line-search';
