export * from './agent';
export * from './demonstrations';
export * from './policy-inference';
export * from './evaluate';
