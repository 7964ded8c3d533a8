/**
 * Checkpoints in the browser's IndexedDB, by name. The store treats a checkpoint as opaque bytes
 * (`encodeCheckpoint`'s output; `decodeCheckpoint` verifies it on the way back).
 *
 * Two object stores keyed by checkpoint name: `checkpoints` holds the bytes (an ArrayBuffer) and
 * `metadata` holds `{ name, bytes, savedAt }`, so that `list()` reads a few hundred bytes instead of
 * every checkpoint's megabytes. A save writes both in ONE readwrite transaction: IndexedDB commits a
 * transaction entirely or not at all, so a failed save (quota exceeded, tab closed mid-save, a
 * failing request) leaves the previous checkpoint and its metadata as they were.
 *
 * Written against the raw IndexedDB API rather than the `idb` wrapper: `idb` recognises requests and
 * transactions with `instanceof` against the global IDB* classes, which breaks with a factory passed
 * in from elsewhere (fake-indexeddb in Node, another realm), and the promise plumbing needed here is
 * two small functions.
 */

/** One saved checkpoint, as `list()` reports it. */
export interface CheckpointInfo {
  /** The name it was saved under. */
  name: string;
  /** Its size in bytes. */
  bytes: number;
  /** When it was saved (ISO 8601, UTC). */
  savedAt: string;
}

/** Named checkpoints in a persistent store. */
export interface CheckpointStore {
  /** Saves `bytes` under `name`, replacing any checkpoint of that name, atomically. */
  save(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes saved under `name` (a fresh copy), or undefined when there are none. */
  load(name: string): Promise<Uint8Array | undefined>;
  /** Every saved checkpoint, ordered by name. */
  list(): Promise<CheckpointInfo[]>;
  /** Removes the checkpoint saved under `name`; nothing happens when there is none. */
  delete(name: string): Promise<void>;
  /** Closes the connection; later calls throw. */
  close(): void;
}

export interface IndexedDbStoreOptions {
  /** The IndexedDB database to use (default `'webgpu-rl-checkpoints'`). */
  databaseName?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`); in Node, e.g. fake-indexeddb's. */
  indexedDB?: IDBFactory;
}

/** The database name used when none is given. */
export const DEFAULT_CHECKPOINT_DATABASE = 'webgpu-rl-checkpoints';
// Bumped only when the object stores change; a newer engine's database is refused, not downgraded.
const SCHEMA_VERSION = 1;
const BYTES_STORE = 'checkpoints';
const METADATA_STORE = 'metadata';

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Settles when the transaction commits (resolves) or aborts (rejects with the reason). */
function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () =>
      reject(transaction.error ?? new DOMException('The transaction was aborted', 'AbortError'));
  });
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`checkpoint name must be a non-empty string (got ${name === '' ? "''" : typeof name})`);
  }
}

/**
 * Opens (creating on first use) the checkpoint database and returns a {@link CheckpointStore} over
 * it. Throws when no IndexedDB is available, or when the database was made by a newer schema.
 */
export async function openIndexedDbStore(options: IndexedDbStoreOptions = {}): Promise<CheckpointStore> {
  const databaseName = options.databaseName ?? DEFAULT_CHECKPOINT_DATABASE;
  if (typeof databaseName !== 'string' || databaseName.length === 0) {
    throw new TypeError(`databaseName must be a non-empty string (got ${databaseName === '' ? "''" : typeof databaseName})`);
  }
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new Error(
      'IndexedDB is not available here: checkpoints in IndexedDB need a browser, or pass ' +
        "options.indexedDB (in Node, e.g. `import { indexedDB } from 'fake-indexeddb'`); " +
        'in Node, save checkpoint files with writeFileAtomic from webgpu-rl/node instead',
    );
  }

  const where = `IndexedDB database '${databaseName}'`;
  const openRequest = factory.open(databaseName, SCHEMA_VERSION);
  openRequest.onupgradeneeded = () => {
    const db = openRequest.result;
    if (!db.objectStoreNames.contains(BYTES_STORE)) db.createObjectStore(BYTES_STORE);
    if (!db.objectStoreNames.contains(METADATA_STORE)) db.createObjectStore(METADATA_STORE);
  };
  let db: IDBDatabase;
  try {
    db = await requestResult(openRequest);
  } catch (error) {
    const newer = error instanceof DOMException && error.name === 'VersionError';
    throw new Error(
      newer
        ? `Cannot open ${where}: it was created by a newer version of webgpu-rl (schema newer than ${SCHEMA_VERSION})`
        : `Cannot open ${where} (${describeError(error)})`,
      { cause: error },
    );
  }

  let closedBecause: string | undefined;
  // Another tab upgrading the database waits until every connection closes: give way to it.
  db.onversionchange = () => {
    db.close();
    closedBecause = `${where} was closed because another page upgraded it`;
  };
  // The browser can close it under us (storage cleared, disk error).
  db.onclose = () => {
    closedBecause ??= `${where} was closed by the browser`;
  };

  function transaction(mode: IDBTransactionMode): IDBTransaction {
    if (closedBecause !== undefined) throw new Error(`Checkpoint store is closed: ${closedBecause}`);
    return db.transaction([BYTES_STORE, METADATA_STORE], mode);
  }

  /**
   * Runs `write` in one readwrite transaction and waits for the commit. A request that throws
   * synchronously must abort the transaction explicitly: otherwise the requests already queued
   * would still commit, half a save.
   */
  async function writeTransaction(action: string, write: (t: IDBTransaction) => void): Promise<void> {
    const t = transaction('readwrite');
    const done = transactionDone(t);
    try {
      write(t);
    } catch (error) {
      try {
        t.abort();
      } catch {
        // Already finished or aborting: nothing was committed by this call either way.
      }
      await done.catch(() => undefined);
      throw new Error(`Could not ${action} in ${where} (${describeError(error)}); nothing was changed`, { cause: error });
    }
    try {
      await done;
    } catch (error) {
      throw new Error(`Could not ${action} in ${where} (${describeError(error)}); nothing was changed`, { cause: error });
    }
  }

  return {
    async save(name, bytes) {
      checkName(name);
      if (!(bytes instanceof Uint8Array)) {
        throw new TypeError(`bytes must be a Uint8Array (got ${bytes === null ? 'null' : typeof bytes})`);
      }
      // slice(): exactly this view's bytes, not the rest of its ArrayBuffer, and immune to the
      // caller changing them before the transaction clones the value.
      const data = bytes.slice().buffer;
      const info: CheckpointInfo = { name, bytes: bytes.byteLength, savedAt: new Date().toISOString() };
      await writeTransaction(`save checkpoint '${name}'`, (t) => {
        t.objectStore(BYTES_STORE).put(data, name);
        t.objectStore(METADATA_STORE).put(info, name);
      });
    },

    async load(name) {
      checkName(name);
      const value: unknown = await requestResult(transaction('readonly').objectStore(BYTES_STORE).get(name));
      if (value === undefined) return undefined;
      // Not instanceof: a factory from another realm returns that realm's ArrayBuffer.
      if (Object.prototype.toString.call(value) !== '[object ArrayBuffer]') {
        throw new Error(`Checkpoint '${name}' in ${where} is not binary data (got ${typeof value}); was it written by webgpu-rl?`);
      }
      return new Uint8Array(value as ArrayBuffer);
    },

    async list() {
      const infos = await requestResult(transaction('readonly').objectStore(METADATA_STORE).getAll());
      return (infos as CheckpointInfo[]).map(({ name, bytes, savedAt }) => ({ name, bytes, savedAt }));
    },

    async delete(name) {
      checkName(name);
      await writeTransaction(`delete checkpoint '${name}'`, (t) => {
        t.objectStore(BYTES_STORE).delete(name);
        t.objectStore(METADATA_STORE).delete(name);
      });
    },

    close() {
      if (closedBecause === undefined) closedBecause = `close() was called on the store for ${where}`;
      db.close();
    },
  };
}
