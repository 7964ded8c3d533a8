export * from './layout';
export * from './losses';
export * from './statistics';
export * from './kl-control';
export * from './ess';
