/**
 * The IndexedDB checkpoint store (src/persistence/indexeddb-store.ts) on fake-indexeddb: exact
 * round trips, list/delete/overwrite, a missing name, and saves whose transaction fails (a request
 * that throws, a request that errors) leaving the previous checkpoint and its metadata in place.
 */
import { IDBFactory, IDBObjectStore, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHECKPOINT_DATABASE, openIndexedDbStore, type CheckpointStore } from '../../src/persistence/index';
import { freshSeed, seededRandom } from '../support/random';

const opened: CheckpointStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

/** A store on a fresh, private fake IndexedDB (no state shared between tests). */
async function freshStore(factory: IDBFactory = new IDBFactory(), databaseName?: string): Promise<CheckpointStore> {
  const store = await openIndexedDbStore({ indexedDB: factory, ...(databaseName ? { databaseName } : {}) });
  opened.push(store);
  return store;
}

// One seed for the file: its bytes come from one stream, in test order (replay the whole file).
const random = seededRandom(freshSeed());

function randomBytesOf(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (random() * 256) | 0;
  return bytes;
}

function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.length).toBe(expected.length);
  expect(Buffer.from(actual!).equals(Buffer.from(expected))).toBe(true);
}

describe('openIndexedDbStore', () => {
  it('round-trips bytes exactly, saving only the view given, as a copy', async () => {
    const store = await freshStore();
    const backing = randomBytesOf(300_007);
    const view = backing.subarray(7, 250_007);
    const expected = view.slice();
    await store.save('cartpole', view);
    view.fill(0); // the caller reusing its buffer must not change what was saved
    const loaded = await store.load('cartpole');
    expectSameBytes(loaded, expected);
    expect(loaded!.byteOffset).toBe(0);
    expect(loaded!.buffer.byteLength).toBe(expected.length);
    loaded!.fill(1); // nor must the caller changing what it loaded
    expectSameBytes(await store.load('cartpole'), expected);
    await store.save('empty', new Uint8Array(0));
    expectSameBytes(await store.load('empty'), new Uint8Array(0));
  });

  it('lists names, sizes and save times in name order; delete removes both', async () => {
    const store = await freshStore();
    const before = Date.now();
    await store.save('b-run', randomBytesOf(10));
    await store.save('a-run', randomBytesOf(2048));
    const after = Date.now();
    const list = await store.list();
    expect(list.map(({ name, bytes }) => ({ name, bytes }))).toEqual([
      { name: 'a-run', bytes: 2048 },
      { name: 'b-run', bytes: 10 },
    ]);
    for (const { savedAt } of list) {
      expect(savedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(savedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(savedAt)).toBeLessThanOrEqual(after);
    }
    await store.delete('a-run');
    expect((await store.list()).map((info) => info.name)).toEqual(['b-run']);
    expect(await store.load('a-run')).toBeUndefined();
    await store.delete('never-saved'); // not an error
    expect((await store.list()).map((info) => info.name)).toEqual(['b-run']);
  });

  it('overwrites a name: the new bytes and size, one list entry', async () => {
    const store = await freshStore();
    await store.save('run', randomBytesOf(5000));
    const next = randomBytesOf(777);
    await store.save('run', next);
    expectSameBytes(await store.load('run'), next);
    expect((await store.list()).map(({ name, bytes }) => ({ name, bytes }))).toEqual([{ name: 'run', bytes: 777 }]);
  });

  it('a missing name loads as undefined', async () => {
    const store = await freshStore();
    expect(await store.load('nothing')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('persists across connections: another store on the same database sees the saves', async () => {
    const factory = new IDBFactory();
    const bytes = randomBytesOf(999);
    const first = await freshStore(factory, 'shared');
    await first.save('run', bytes);
    first.close();
    const second = await freshStore(factory, 'shared');
    expectSameBytes(await second.load('run'), bytes);
    // A different database name is a different store.
    expect(await (await freshStore(factory, 'other')).load('run')).toBeUndefined();
  });

  it('uses the default database name on the factory passed in (fake-indexeddb\'s shared one)', async () => {
    const store = await freshStore(indexedDB);
    await store.save('default', new Uint8Array([1, 2, 3]));
    const names = (await indexedDB.databases()).map((info) => info.name);
    expect(names).toContain(DEFAULT_CHECKPOINT_DATABASE);
    await store.delete('default');
  });

  // A save is one transaction over bytes and metadata. Make the metadata write fail after the bytes
  // write was queued, synchronously (the request throws, as put does for an uncloneable value or a
  // closing database) or asynchronously (the request errors, as with a quota error): the bytes
  // must be rolled back with it.
  const failures = {
    'throws': function (this: IDBObjectStore): IDBRequest {
      throw new DOMException('simulated: the metadata write failed', 'QuotaExceededError');
    },
    'errors': function (this: IDBObjectStore, value: unknown, key?: IDBValidKey): IDBRequest {
      // add() on an existing key fails with ConstraintError, which aborts the transaction.
      return this.add(value, key);
    },
  };
  it.each(Object.keys(failures) as (keyof typeof failures)[])(
    'a save whose metadata request %s leaves the previous bytes and metadata, and rejects',
    async (kind) => {
      const store = await freshStore();
      const old = randomBytesOf(4096);
      await store.save('run', old);
      const [oldInfo] = await store.list();
      const realPut = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'metadata') return failures[kind].apply(this, args);
        return realPut.apply(this, args);
      };
      try {
        await expect(store.save('run', randomBytesOf(8192))).rejects.toThrow(
          kind === 'throws' ? /save checkpoint 'run'.*QuotaExceededError.*nothing was changed/ : /ConstraintError/,
        );
      } finally {
        IDBObjectStore.prototype.put = realPut;
      }
      expectSameBytes(await store.load('run'), old);
      expect(await store.list()).toEqual([oldInfo]);
      // The store still works after the failed save.
      const next = randomBytesOf(10);
      await store.save('run', next);
      expectSameBytes(await store.load('run'), next);
    },
  );

  it('rejects bad names and values, naming them, and calls after close()', async () => {
    const store = await freshStore();
    await expect(store.save('', new Uint8Array(1))).rejects.toThrow("checkpoint name must be a non-empty string (got '')");
    await expect(store.save('x', [1] as unknown as Uint8Array)).rejects.toThrow('bytes must be a Uint8Array (got object)');
    await expect(store.load(3 as unknown as string)).rejects.toThrow('checkpoint name must be a non-empty string (got number)');
    store.close();
    await expect(store.load('x')).rejects.toThrow(/Checkpoint store is closed: close\(\) was called/);
  });

  it('says what to do when there is no IndexedDB (Node without a factory)', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    await expect(openIndexedDbStore()).rejects.toThrow(/IndexedDB is not available here.*options\.indexedDB/);
  });

  it('refuses a database made by a newer schema instead of touching it', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = factory.open(DEFAULT_CHECKPOINT_DATABASE, 5);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    await expect(openIndexedDbStore({ indexedDB: factory })).rejects.toThrow(/created by a newer version of webgpu-rl/);
  });
});
