/**
 * webgpu-rl for Node (`import … from 'webgpu-rl/node'`): everything the package root exports, plus
 * the parts that need Node's built-in modules and must stay out of the browser bundle (checkpoint
 * files written atomically). `src/index.ts` never imports these; a test walks its imports to check.
 */
export * from './index';
export * from './persistence/file-store';

import type { CheckpointSink } from './agent/agent';
import { writeFileAtomic } from './persistence/file-store';

/** Autosaves to `path`, each written to a temporary file and renamed over it (a crash leaves the previous one). */
export function fileSink(path: string): CheckpointSink {
  return (bytes) => writeFileAtomic(path, bytes);
}
