/**
 * Where checkpoints are kept, browser-safe part: IndexedDB. The Node file store
 * (./file-store: writeFileAtomic, readCheckpointFile, cleanStaleTempFiles) imports node:fs and is
 * exported from the Node entry, src/node.ts, never from here.
 */
export * from './indexeddb-store';
export * from './store-sink';
