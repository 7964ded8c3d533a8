/**
 * Where checkpoints are kept, browser-safe part: IndexedDB and autosave sinks. Files (atomic writes,
 * the file sink) need node:fs and live in src/node/, exported by the Node entry only.
 */
export * from './indexeddb-store';
export * from './store-sink';
