/**
 * Where an agent's autosaves go (AgentOptions.autosave.sink): a named checkpoint in a store
 * (IndexedDB in the browser: openIndexedDbStore). Files in Node: `fileSink` from 'webgpu-rl/node'.
 */
import type { CheckpointStore } from '../persistence/indexeddb-store';
import type { CheckpointSink } from './agent';

/** Saves each autosave under `name` in `store` (one atomic transaction each: a failed save keeps the previous one). */
export function storeSink(store: CheckpointStore, name: string): CheckpointSink {
  return (bytes) => store.save(name, bytes);
}
