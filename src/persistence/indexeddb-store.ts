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
 * Requests and transactions are awaited through the `idb` package (its promise wrappers), which
 * recognises them by `instanceof` against this realm's global IDB* classes: a factory passed in
 * must belong to this realm (a page's own `indexedDB`; in Node, fake-indexeddb installed with
 * `import 'fake-indexeddb/auto'`, or at least its classes set on globalThis). Another realm's
 * factory (an iframe's) is refused with that explanation.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';

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

/** Options of {@link openIndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** The IndexedDB database to use (default `'webgpu-rl-checkpoints'`). */
  databaseName?: string;
  /**
   * The IndexedDB factory (default `globalThis.indexedDB`). Its IDB* classes must be this realm's
   * globals (see above): in Node, fake-indexeddb's after `import 'fake-indexeddb/auto'`.
   */
  indexedDB?: IDBFactory;
}

/** The database name used when none is given. */
export const DEFAULT_CHECKPOINT_DATABASE = 'webgpu-rl-checkpoints';
// Bumped only when the object stores change; a newer engine's database is refused, not downgraded.
const SCHEMA_VERSION = 1;
const BYTES_STORE = 'checkpoints';
const METADATA_STORE = 'metadata';

interface CheckpointDatabase extends DBSchema {
  [BYTES_STORE]: { key: string; value: ArrayBuffer };
  [METADATA_STORE]: { key: string; value: CheckpointInfo };
}

type Stores = (typeof BYTES_STORE | typeof METADATA_STORE)[];

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
 * it. Throws when no IndexedDB is available, when the factory is not this realm's (see above), or
 * when the database was made by a newer schema.
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
        "options.indexedDB (in Node, e.g. fake-indexeddb's, with `import 'fake-indexeddb/auto'`); " +
        'in Node, save checkpoint files with writeFileAtomic from webgpu-rl/node instead',
    );
  }
  const foreign =
    'the checkpoint store awaits IndexedDB through idb, which needs the factory\'s IDBRequest, IDBDatabase, … classes to be ' +
    "this realm's globals (in Node: `import 'fake-indexeddb/auto'`)";
  if (typeof IDBRequest === 'undefined') throw new Error(`IndexedDB classes are not available here: ${foreign}`);

  const where = `IndexedDB database '${databaseName}'`;
  const request = factory.open(databaseName, SCHEMA_VERSION);
  if (!((request as unknown) instanceof IDBRequest)) {
    request.onsuccess = () => request.result.close();
    throw new Error(`Cannot use the IndexedDB factory passed in for ${where}: it belongs to another realm, and ${foreign}`);
  }
  request.onupgradeneeded = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains(BYTES_STORE)) db.createObjectStore(BYTES_STORE);
    if (!db.objectStoreNames.contains(METADATA_STORE)) db.createObjectStore(METADATA_STORE);
  };
  let db: IDBPDatabase<CheckpointDatabase>;
  try {
    db = (await wrap(request)) as unknown as IDBPDatabase<CheckpointDatabase>;
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
  db.addEventListener('versionchange', () => {
    db.close();
    closedBecause = `${where} was closed because another page upgraded it`;
  });
  // The browser can close it under us (storage cleared, disk error).
  db.addEventListener('close', () => {
    closedBecause ??= `${where} was closed by the browser`;
  });

  function transaction<Mode extends IDBTransactionMode>(mode: Mode): IDBPTransaction<CheckpointDatabase, Stores, Mode> {
    if (closedBecause !== undefined) throw new Error(`Checkpoint store is closed: ${closedBecause}`);
    return db.transaction([BYTES_STORE, METADATA_STORE], mode);
  }

  /**
   * Makes the `requests` in one readwrite transaction and waits for the commit; a request's own
   * error (the first to reject) is the one reported. A request that throws synchronously must
   * abort the transaction explicitly: otherwise the requests already made would still commit,
   * half a save.
   */
  async function writeTransaction(action: string, requests: (t: IDBPTransaction<CheckpointDatabase, Stores, 'readwrite'>) => (() => Promise<unknown>)[]): Promise<void> {
    const t = transaction('readwrite');
    const pending: Promise<unknown>[] = [];
    try {
      for (const request of requests(t)) pending.push(request());
      await Promise.all([...pending, t.done]);
    } catch (error) {
      try {
        t.abort();
      } catch {
        // Already aborting (a request failed): nothing was committed by this call either way.
      }
      await Promise.allSettled([...pending, t.done]);
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
      await writeTransaction(`save checkpoint '${name}'`, (t) => [
        () => t.objectStore(BYTES_STORE).put(data, name),
        () => t.objectStore(METADATA_STORE).put(info, name),
      ]);
    },

    async load(name) {
      checkName(name);
      const value: unknown = await transaction('readonly').objectStore(BYTES_STORE).get(name);
      if (value === undefined) return undefined;
      // Not instanceof: structured cloning may hand back another realm's ArrayBuffer.
      if (Object.prototype.toString.call(value) !== '[object ArrayBuffer]') {
        throw new Error(`Checkpoint '${name}' in ${where} is not binary data (got ${typeof value}); was it written by webgpu-rl?`);
      }
      return new Uint8Array(value as ArrayBuffer);
    },

    async list() {
      const infos = await transaction('readonly').objectStore(METADATA_STORE).getAll();
      return infos.map(({ name, bytes, savedAt }) => ({ name, bytes, savedAt }));
    },

    async delete(name) {
      checkName(name);
      await writeTransaction(`delete checkpoint '${name}'`, (t) => [() => t.objectStore(BYTES_STORE).delete(name), () => t.objectStore(METADATA_STORE).delete(name)]);
    },

    close() {
      if (closedBecause === undefined) closedBecause = `close() was called on the store for ${where}`;
      db.close();
    },
  };
}
