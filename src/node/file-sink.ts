/**
 * Autosaves to a file (Node only, exported from src/node.ts): each save written atomically by
 * writeFileAtomic; the first also removes temporary files a killed writer left beside the target.
 */
import { dirname } from 'node:path';
import type { CheckpointSink } from '../persistence/store-sink';
import { cleanStaleTempFiles, writeFileAtomic } from './file-store';

/** The sink for AgentOptions.autosave that keeps the latest checkpoint at `path`. */
export function fileSink(path: string): CheckpointSink {
  let cleaned = false;
  return async (bytes) => {
    if (!cleaned) {
      cleaned = true;
      await cleanStaleTempFiles(dirname(path));
    }
    await writeFileAtomic(path, bytes);
  };
}
