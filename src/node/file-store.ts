/**
 * Checkpoint files in Node: atomic replacement, so a crash (or SIGKILL, or a full disk) while a
 * checkpoint is being saved leaves the previous checkpoint, never half of a new one.
 *
 * The recipe is the POSIX one: write the new bytes to a temporary file in the same directory (a
 * rename is only atomic within one file system), fsync it so its data is on disk before the name
 * points at it, rename it over the target (readers see the old file or the new one, nothing in
 * between), then fsync the directory so the rename itself survives a power loss.
 *
 * Node only: this file imports `node:fs`. It is exported from the Node entry (`src/node.ts`,
 * `webgpu-rl/node`), never from `src/index.ts`, so the browser bundle does not contain it.
 * It imports nothing from the rest of the engine: the kill test loads it, compiled on its own,
 * into a child process.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A checkpoint file could not be written or read. `path` is the file the caller named, `code` the
 * system error code (`ENOENT`, `EACCES`, `ENOSPC`, …) when the cause was one.
 */
export class CheckpointFileError extends Error {
  /** Always 'CheckpointFileError'. */
  override readonly name = 'CheckpointFileError';
  constructor(
    message: string,
    /** The file the caller named. */
    readonly path: string,
    /** The system error code (`ENOENT`, `EACCES`, `ENOSPC`, …) when the cause was one, else undefined. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Temporary files are named `.<target name>.<writer pid>.<12 hex digits>.wgrl-tmp` next to the
 * target: hidden, unique per process and per write, and recognisable, so that
 * {@link cleanStaleTempFiles} can remove the ones a killed writer left behind and nothing else.
 */
const TEMP_SUFFIX = '.wgrl-tmp';
const TEMP_NAME = /^\.(.*)\.(\d+)\.([0-9a-f]{12})\.wgrl-tmp$/;
// The target's name is shortened in the temporary name so that the latter stays under the
// 255-byte limit most file systems put on one name.
const MAX_TARGET_NAME_IN_TEMP = 200;

/** A fresh temporary name for one write to `path` by this process. */
function tempPathFor(path: string): string {
  const name = basename(path).slice(0, MAX_TARGET_NAME_IN_TEMP);
  return join(dirname(path), `.${name}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/** True when `name` (a file name, not a path) is one of writeFileAtomic's temporary files. */
export function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`path must be a non-empty string (got ${path === '' ? "''" : typeof path})`);
  }
}

/**
 * Writes `bytes` to `path` atomically: afterwards `path` holds exactly `bytes`; if the write fails
 * or the process dies part-way, `path` still holds what it held before (or still does not exist).
 *
 * Steps: a uniquely named temporary file in the same directory, written in full and fsynced, renamed
 * over `path`, then the directory fsynced. An existing file's permission bits are kept; a symbolic
 * link is written through (the file it points to is replaced, the link kept). On any
 * error the temporary file is removed and a {@link CheckpointFileError} naming `path` is thrown.
 * A process killed mid-write can leave its temporary file behind (never `path` half-written):
 * {@link cleanStaleTempFiles} removes those.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  checkPath(path);
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array (got ${bytes === null ? 'null' : typeof bytes})`);
  }
  // Write through a symbolic link (replacing the file it points to, in that file's directory)
  // rather than replacing the link with a file.
  const target = await realpath(path).catch(() => path);
  // Keep an existing file's permissions, and refuse a directory before writing megabytes for nothing.
  let mode: number | undefined;
  try {
    const existing = await stat(target);
    if (existing.isDirectory()) {
      throw new CheckpointFileError(`Cannot write ${path}: it is a directory`, path, 'EISDIR');
    }
    mode = existing.mode & 0o777;
  } catch (error) {
    if (error instanceof CheckpointFileError) throw error;
    if (errorCode(error) !== 'ENOENT') throw writeError(path, error);
  }

  const tempPath = tempPathFor(target);
  let created = false;
  try {
    // 'wx': fail rather than share a file if the random name ever collided.
    const handle = await open(tempPath, 'wx');
    created = true;
    try {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, target);
    created = false;
  } catch (error) {
    if (created) await unlink(tempPath).catch(() => undefined);
    throw writeError(path, error);
  }
  await syncDirectory(target, path);
}

function writeError(path: string, cause: unknown): CheckpointFileError {
  const code = errorCode(cause);
  return new CheckpointFileError(
    `Could not write ${path} (${errorMessage(cause)}); the previous file, if any, is unchanged`,
    path,
    code,
    { cause },
  );
}

/**
 * Makes the rename durable. Platforms that cannot open or fsync a directory (Windows; some network
 * file systems) report it with these codes: there the rename is as durable as the OS makes it.
 */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

async function syncDirectory(target: string, path: string): Promise<void> {
  let directory;
  try {
    directory = await open(dirname(target), 'r');
    await directory.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined || !DIRECTORY_SYNC_UNSUPPORTED.has(code)) {
      throw new CheckpointFileError(
        `Wrote ${path} but could not sync its directory (${errorMessage(error)}); ` +
          'the new file is in place but may not survive a power loss',
        path,
        code,
        { cause: error },
      );
    }
  } finally {
    await directory?.close();
  }
}

/**
 * Reads a checkpoint file's bytes (a plain `Uint8Array`, not a Node `Buffer`). A missing,
 * unreadable or directory path throws a {@link CheckpointFileError} that names it. The bytes are
 * not checked here: `decodeCheckpoint` verifies the format and checksum.
 */
export async function readCheckpointFile(path: string): Promise<Uint8Array> {
  checkPath(path);
  try {
    const data = await readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    const code = errorCode(error);
    const message =
      code === 'ENOENT'
        ? `No checkpoint file at ${path}`
        : code === 'EISDIR'
          ? `Cannot read checkpoint file ${path}: it is a directory`
          : `Could not read checkpoint file ${path} (${errorMessage(error)})`;
    throw new CheckpointFileError(message, path, code, { cause: error });
  }
}

/** True while process `pid` exists (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Removes the temporary files that writers killed mid-write left in `directory` (files named like
 * writeFileAtomic's, whose writer process no longer exists; the files of live writers, this
 * process included, are in-flight writes and are kept). Returns the paths removed.
 *
 * Leftovers are harmless otherwise (nothing reads them) and only cost disk space. The process check
 * only sees this machine: on a directory shared between machines, a live remote writer's file could
 * be removed, which makes that write fail with an error and leaves its previous checkpoint intact.
 */
export async function cleanStaleTempFiles(directory: string): Promise<string[]> {
  checkPath(directory);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    throw new CheckpointFileError(
      `Could not list ${directory} (${errorMessage(error)})`,
      directory,
      errorCode(error),
      { cause: error },
    );
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match === null) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(directory, name);
    try {
      await unlink(path);
      removed.push(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
  return removed;
}
