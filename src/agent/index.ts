export * from './agent';
export * from './cpu-policy';
export * from './cpu-policy-snapshot';
export * from './demonstrations';
export * from './policy-inference';
export * from './evaluate';
