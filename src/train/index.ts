export * from './config';
export * from './loop';
export * from './report';
export * from './checkpoint';
export * from './curve-svg';
export * from './trainer';
export * from './self-play';
export * from './self-play-config';
