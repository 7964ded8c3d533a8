/**
 * Vitest setup (every test file): fake-indexeddb's IDB* classes as globals, as a browser has them,
 * so that the checkpoint store's `idb` recognises the requests of a fake-indexeddb factory passed
 * in (it tests `instanceof IDBRequest`, …, against the globals). The factory itself is NOT made
 * global: `globalThis.indexedDB` stays undefined, as Node has it, and tests pass a factory.
 */
import { IDBCursor, IDBCursorWithValue, IDBDatabase, IDBIndex, IDBKeyRange, IDBObjectStore, IDBOpenDBRequest, IDBRequest, IDBTransaction, IDBVersionChangeEvent } from 'fake-indexeddb';

if (typeof globalThis.IDBRequest === 'undefined') {
  Object.assign(globalThis, { IDBCursor, IDBCursorWithValue, IDBDatabase, IDBIndex, IDBKeyRange, IDBObjectStore, IDBOpenDBRequest, IDBRequest, IDBTransaction, IDBVersionChangeEvent });
}
