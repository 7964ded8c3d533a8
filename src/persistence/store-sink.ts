/**
 * Where an agent's autosaves go (AgentOptions.autosave.sink): a function given each checkpoint's
 * bytes. `storeSink` keeps a named checkpoint in a store (IndexedDB in the browser:
 * openIndexedDbStore); files in Node: `fileSink` from 'webgpu-rl/node'.
 */
import type { CheckpointStore } from './indexeddb-store';

/** Where autosaved checkpoints go: called with the bytes of each (a file, IndexedDB, a server…). */
export type CheckpointSink = (bytes: Uint8Array, info: { readonly iteration: number; readonly globalStep: number }) => Promise<void>;

/** Saves each autosave under `name` in `store` (one atomic transaction each: a failed save keeps the previous one). */
export function storeSink(store: CheckpointStore, name: string): CheckpointSink {
  return (bytes) => store.save(name, bytes);
}
