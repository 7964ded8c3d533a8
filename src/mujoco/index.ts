export * from './envs';
export * from './load';
export * from './locomotion-env';
export * from './models';
export * from './tasks';
