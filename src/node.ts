/**
 * webgpu-rl for Node (`import … from 'webgpu-rl/node'`): everything the package root exports, plus
 * the parts that need Node's built-in modules and must stay out of the browser bundle (checkpoint
 * files written atomically, the autosave file sink). `src/index.ts` never imports these; a test
 * walks its imports to check.
 */
export * from './index';
export * from './persistence/file-sink';
export * from './persistence/file-store';
