export * from './heads';
export * from './heads-multi-discrete';
export * from './init';
export * from './mlp';
export * from './mlp-spec';
export * from './optimizer';
export * from './cpu-mlp';
