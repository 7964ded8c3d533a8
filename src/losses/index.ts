export * from './layout';
export * from './losses';
export * from './statistics';
