/**
 * Checkpoint files in Node (src/node/file-store.ts): round trips, atomic replacement, failed
 * writes that leave the previous file and no temporary file, errors that name the path, and the
 * kill test: a child process saving multi-megabyte self-checking files is SIGKILLed at random
 * moments, and the target is always absent (before the first rename) or a complete, valid version.
 * Last, a guard that the browser entry never reaches this Node-only module.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CheckpointFileError,
  cleanStaleTempFiles,
  isTempFileName,
  readCheckpointFile,
  writeFileAtomic,
} from '../../src/node/file-store';
import { freshSeed, seededRandom } from '../support/random';

// Failure injection for the steps a root user cannot make fail with permissions: armed per test,
// passed through otherwise.
const inject = vi.hoisted(() => ({ failWriteAfterBytes: -1, failRename: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (inject.failWriteAfterBytes >= 0 && String(args[0]).endsWith('.wgrl-tmp')) {
        const keep = inject.failWriteAfterBytes;
        // A disk that fills part-way through the new checkpoint.
        handle.writeFile = async (data: unknown) => {
          await real.writeFile(handle, (data as Uint8Array).subarray(0, keep));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        };
      }
      return handle;
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (inject.failRename) {
        throw Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' });
      }
      return real.rename(...args);
    },
  };
});

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(REPO_ROOT, 'test/support/write-checkpoint-child.mjs');

let root = '';
let caseIndex = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wgrl-file-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  inject.failWriteAfterBytes = -1;
  inject.failRename = false;
});

async function freshDir(): Promise<string> {
  const dir = join(root, `case-${caseIndex++}`);
  await mkdir(dir);
  return dir;
}

// One seed for the file: its bytes come from one stream, in test order (replay the whole file).
const random = seededRandom(freshSeed());

function randomBytesOf(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (random() * 256) | 0;
  return bytes;
}

async function expectFailure(promise: Promise<unknown>): Promise<CheckpointFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointFileError);
  return error as CheckpointFileError;
}

describe('writeFileAtomic and readCheckpointFile', () => {
  it('round-trips bytes exactly, as a plain Uint8Array, leaving no temporary file', async () => {
    const dir = await freshDir();
    const path = join(dir, 'agent.wgrl');
    for (const length of [0, 1, 4099, 1 << 20]) {
      const bytes = randomBytesOf(length);
      await writeFileAtomic(path, bytes);
      const read = await readCheckpointFile(path);
      expect(Object.getPrototypeOf(read)).toBe(Uint8Array.prototype);
      expect(read.length).toBe(length);
      expect(Buffer.from(read).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(await readdir(dir)).toEqual(['agent.wgrl']);
  });

  it('writes only the view it is given, not the rest of its ArrayBuffer', async () => {
    const dir = await freshDir();
    const path = join(dir, 'view.wgrl');
    const backing = randomBytesOf(1000);
    await writeFileAtomic(path, backing.subarray(123, 456));
    expect(Buffer.from(await readCheckpointFile(path)).equals(Buffer.from(backing.subarray(123, 456)))).toBe(true);
  });

  it('replaces an existing file by rename (a new inode) and keeps its permissions', async () => {
    const dir = await freshDir();
    const path = join(dir, 'agent.wgrl');
    await writeFileAtomic(path, randomBytesOf(5000));
    await chmod(path, 0o640);
    const before = await stat(path);
    const next = randomBytesOf(3000);
    await writeFileAtomic(path, next);
    const after = await stat(path);
    // In-place rewriting would keep the inode; an atomic replacement is a different file.
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o640);
    expect(Buffer.from(await readCheckpointFile(path)).equals(Buffer.from(next))).toBe(true);
    expect(await readdir(dir)).toEqual(['agent.wgrl']);
  });

  it('writes through a symbolic link: the file it points to is replaced, the link kept', async () => {
    const dir = await freshDir();
    await mkdir(join(dir, 'real'));
    const real = join(dir, 'real', 'agent.wgrl');
    const link = join(dir, 'latest.wgrl');
    await writeFileAtomic(real, randomBytesOf(100));
    await symlink(real, link);
    const next = randomBytesOf(200);
    await writeFileAtomic(link, next);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(Buffer.from(await readCheckpointFile(real)).equals(Buffer.from(next))).toBe(true);
    expect(await readdir(join(dir, 'real'))).toEqual(['agent.wgrl']);
  });

  it('refuses a path that is a directory, naming it, and leaves the directory as it was', async () => {
    const dir = await freshDir();
    const path = join(dir, 'checkpoint.wgrl');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'keep');
    const error = await expectFailure(writeFileAtomic(path, randomBytesOf(100)));
    expect(error.message).toContain(path);
    expect(error.message).toContain('is a directory');
    expect(error.path).toBe(path);
    expect(await readdir(dir)).toEqual(['checkpoint.wgrl']);
    expect(await readFile(join(path, 'inside'), 'utf8')).toBe('keep');
  });

  it('reports a missing directory with the path and ENOENT', async () => {
    const dir = await freshDir();
    const path = join(dir, 'no-such-dir', 'agent.wgrl');
    const error = await expectFailure(writeFileAtomic(path, randomBytesOf(10)));
    expect(error.message).toContain(path);
    expect(error.code).toBe('ENOENT');
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)('a read-only directory: an error naming the path, the old file untouched', async () => {
    const dir = await freshDir();
    const path = join(dir, 'agent.wgrl');
    const old = randomBytesOf(2000);
    await writeFileAtomic(path, old);
    await chmod(dir, 0o555);
    try {
      const error = await expectFailure(writeFileAtomic(path, randomBytesOf(2000)));
      expect(error.message).toContain(path);
      expect(error.code).toBe('EACCES');
    } finally {
      await chmod(dir, 0o755);
    }
    expect(Buffer.from(await readCheckpointFile(path)).equals(Buffer.from(old))).toBe(true);
    expect(await readdir(dir)).toEqual(['agent.wgrl']);
  });

  // Root ignores permissions, so the failures after the temporary file exists are injected.
  it.each([
    ['the disk fills part-way through the write', 'ENOSPC', () => (inject.failWriteAfterBytes = 70_000)],
    ['the rename fails', 'EXDEV', () => (inject.failRename = true)],
  ])('when %s: the old file is untouched, no temporary file remains, the error names the path', async (_, code, arm) => {
    const dir = await freshDir();
    const path = join(dir, 'agent.wgrl');
    const old = randomBytesOf(100_000);
    await writeFileAtomic(path, old);
    arm();
    const error = await expectFailure(writeFileAtomic(path, randomBytesOf(150_000)));
    expect(error.code).toBe(code);
    expect(error.message).toContain(path);
    expect(error.message).toContain('unchanged');
    expect(Buffer.from(await readCheckpointFile(path)).equals(Buffer.from(old))).toBe(true);
    expect(await readdir(dir)).toEqual(['agent.wgrl']);
  });

  it('readCheckpointFile names the path when it is missing or a directory', async () => {
    const dir = await freshDir();
    const missing = join(dir, 'missing.wgrl');
    const error = await expectFailure(readCheckpointFile(missing));
    expect(error.message).toBe(`No checkpoint file at ${missing}`);
    expect(error.code).toBe('ENOENT');
    const directory = await expectFailure(readCheckpointFile(dir));
    expect(directory.message).toContain(dir);
    expect(directory.message).toContain('is a directory');
  });

  it('rejects bad arguments, naming the argument', async () => {
    await expect(writeFileAtomic('', new Uint8Array(1))).rejects.toThrow("path must be a non-empty string (got '')");
    await expect(writeFileAtomic(join(root, 'x'), [1, 2] as unknown as Uint8Array)).rejects.toThrow(
      'bytes must be a Uint8Array (got object)',
    );
    await expect(readCheckpointFile(undefined as unknown as string)).rejects.toThrow(
      'path must be a non-empty string (got undefined)',
    );
  });
});

describe('cleanStaleTempFiles', () => {
  it("removes dead writers' temporary files only: not live writers', not other files", async () => {
    const dir = await freshDir();
    // A pid that exited: a child that has already finished.
    const deadPid = await new Promise<number>((done) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('exit', () => done(child.pid!));
    });
    const stale = `.agent.wgrl.${deadPid}.0123456789ab.wgrl-tmp`;
    const live = `.agent.wgrl.${process.pid}.abcdef012345.wgrl-tmp`;
    const others = ['agent.wgrl', 'notes.tmp', `.agent.wgrl.${deadPid}.xyz.wgrl-tmp`];
    for (const name of [stale, live, ...others]) await writeFile(join(dir, name), 'x');
    expect([stale, live].every(isTempFileName)).toBe(true);
    expect(others.some(isTempFileName)).toBe(false);
    expect(await cleanStaleTempFiles(dir)).toEqual([join(dir, stale)]);
    expect((await readdir(dir)).sort()).toEqual([live, ...others].sort());
  });
});

/** What a kill left: the target's state and the temporary files found (then removed). */
interface KillOutcome {
  lastReported: number;
  state: { kind: 'absent' } | { kind: 'valid'; version: number } | { kind: 'corrupt'; why: string };
  tempFiles: number;
}

const PAYLOAD_BYTES = 4 << 20;
const HEADER_BYTES = 16;
const DIGEST_BYTES = 32;

/** Checks a file written by the child: length, magic, SHA-256 trailer; returns its version. */
function inspect(path: string): KillOutcome['state'] {
  if (!existsSync(path)) return { kind: 'absent' };
  const bytes = readFileSync(path);
  if (bytes.length !== HEADER_BYTES + PAYLOAD_BYTES + DIGEST_BYTES) {
    return { kind: 'corrupt', why: `length ${bytes.length}` };
  }
  if (bytes.subarray(0, 8).toString('latin1') !== 'WGRLTEST') return { kind: 'corrupt', why: 'magic' };
  const body = bytes.subarray(0, HEADER_BYTES + PAYLOAD_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(HEADER_BYTES + PAYLOAD_BYTES))) return { kind: 'corrupt', why: 'digest' };
  return { kind: 'valid', version: Number(bytes.readBigUInt64LE(8)) };
}

/**
 * Starts the child writer, waits until it announces save number `killDuring` ("writing <n>", printed
 * once the bytes are ready), waits `delayMs` more, SIGKILLs it, and inspects what is on disk.
 */
async function killDuringSave(
  modulePath: string,
  mode: 'atomic' | 'direct',
  killDuring: number,
  delayMs: number,
): Promise<KillOutcome> {
  const dir = await freshDir();
  const target = join(dir, 'checkpoint.wgrl');
  const child = spawn(process.execPath, [CHILD, modulePath, target, String(PAYLOAD_BYTES), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const trigger = `writing ${killDuring}`;
  let lastReported = 0;
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('saved ')) lastReported = Number(line.slice(6));
      if (line === trigger) {
        if (delayMs === 0) child.kill('SIGKILL');
        else setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    }
  });
  const signal = await closed;
  if (signal !== 'SIGKILL') throw new Error(`the writer ended by itself (signal ${signal}): ${stderr}`);
  const state = inspect(target);
  const removed = mode === 'atomic' ? await cleanStaleTempFiles(dir) : [];
  // After cleaning, only the target (if any) remains: no other file was created.
  if (mode === 'atomic') {
    expect(await readdir(dir)).toEqual(state.kind === 'absent' ? [] : ['checkpoint.wgrl']);
  }
  await rm(dir, { recursive: true, force: true });
  return { lastReported, state, tempFiles: removed.length };
}

describe('a writer killed while it saves', () => {
  let modulePath = '';
  beforeAll(async () => {
    // The child is plain Node: it imports file-store.ts compiled on its own (it imports only
    // node: modules, checked here), so the code under test is exactly the source.
    const sourcePath = join(REPO_ROOT, 'src/node/file-store.ts');
    const output = ts.transpileModule(await readFile(sourcePath, 'utf8'), {
      fileName: sourcePath,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const relative = /\bfrom\s+['"]\.{1,2}\//.exec(output);
    if (relative !== null) throw new Error('file-store.ts must import only node: modules (the kill test compiles it alone)');
    modulePath = join(root, 'file-store.mjs');
    await writeFile(modulePath, output);
  });

  it('never leaves a torn checkpoint: absent before the first rename, else a complete version', async () => {
    const outcomes: KillOutcome[] = [];
    for (let trial = 0; trial < 24; trial += 1) {
      // Saves 1 to 4 (a quarter during the very first one), 0 to 5 ms into the save (a 4 MiB save
      // takes about 4 ms here, most of it in fsync): the 24 trials are the 4 × 6 pairs.
      const killDuring = 1 + (trial % 4);
      const delayMs = Math.floor(trial / 4);
      const outcome = await killDuringSave(modulePath, 'atomic', killDuring, delayMs);
      outcomes.push(outcome);
      const { state, lastReported } = outcome;
      const context = `trial ${trial}: killed ${delayMs} ms into save ${killDuring}, last reported ${lastReported}`;
      expect(state.kind, context).not.toBe('corrupt');
      if (state.kind === 'absent') expect(lastReported, context).toBe(0);
      // The child can be killed between its rename and its report, so one version ahead is valid.
      if (state.kind === 'valid') expect(state.version - lastReported, context).toBeOneOf([0, 1]);
    }
    const absent = outcomes.filter((o) => o.state.kind === 'absent').length;
    const interrupted = outcomes.filter((o) => o.tempFiles > 0).length;
    console.log(`24 kills: ${absent} before the first rename, ${interrupted} left a temporary file mid-write`);
    // The kills must have landed inside writes, or the test proved nothing.
    expect(absent).toBeGreaterThan(0);
    expect(interrupted).toBeGreaterThan(0);
  });

  it('control: plain fs.writeFile killed the same way does leave torn checkpoints', async () => {
    let corrupt = 0;
    for (let trial = 0; trial < 16; trial += 1) {
      const outcome = await killDuringSave(modulePath, 'direct', 2 + (trial % 2), trial % 3);
      if (outcome.state.kind === 'corrupt') corrupt += 1;
    }
    console.log(`control: ${corrupt} of 16 kills during fs.writeFile left a torn file`);
    expect(corrupt).toBeGreaterThan(0);
  });
});

describe('the browser bundle', () => {
  it('src/index.ts reaches neither file-store.ts nor any node: module through static imports', () => {
    const reached = new Set<string>();
    const nodeImports: string[] = [];
    const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const [, , typeOnly, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (typeOnly !== undefined || spec === undefined) continue;
        if (spec.startsWith('node:')) nodeImports.push(`${file} imports ${spec}`);
        if (!spec.startsWith('.') || spec.includes('?') || spec.endsWith('.wgsl')) continue;
        const base = resolve(dirname(file), spec);
        visit([`${base}.ts`, join(base, 'index.ts')].find(existsSync) ?? `${base}.ts`);
      }
    };
    visit(join(REPO_ROOT, 'src/index.ts'));
    expect(reached.size).toBeGreaterThan(20); // the walk followed the barrels
    expect([...reached].filter((file) => file.includes('file-store'))).toEqual([]);
    expect(nodeImports).toEqual([]);
  });
});
