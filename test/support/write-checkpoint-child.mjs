/**
 * The writer the kill test (test/unit/file-store.test.ts) SIGKILLs at random moments. Plain
 * JavaScript so that `node` runs it with no loader: it imports writeFileAtomic from the module path
 * it is given, which the test compiles from src/node/file-store.ts, so nothing is
 * re-implemented here.
 *
 * Usage: node write-checkpoint-child.mjs <file-store.mjs> <target> <payloadBytes> <atomic|direct>
 * Saves versions 1, 2, 3, … of a self-checking file to <target> until killed: "WGRLTEST", the
 * version (u64 LE), <payloadBytes> random bytes, then the SHA-256 of everything before it. Prints
 * "writing <version>" once the bytes are ready, just before each save, and "saved <version>" after. Mode "direct" writes with plain
 * fs.writeFile instead: the control that shows the test detects a torn write.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [modulePath, target, payloadText, mode] = process.argv.slice(2);
const payloadBytes = Number(payloadText);
if (!modulePath || !target || !(payloadBytes > 0) || (mode !== 'atomic' && mode !== 'direct')) {
  console.error('usage: write-checkpoint-child.mjs <file-store.mjs> <target> <payloadBytes> <atomic|direct>');
  process.exit(2);
}
const { writeFileAtomic } = await import(pathToFileURL(modulePath).href);
const save = mode === 'atomic' ? writeFileAtomic : (path, bytes) => writeFile(path, bytes);

const HEADER = 16;
const DIGEST = 32;
const bytes = new Uint8Array(HEADER + payloadBytes + DIGEST);
bytes.set(new TextEncoder().encode('WGRLTEST'), 0);
const view = new DataView(bytes.buffer);

for (let version = 1; ; version += 1) {
  view.setBigUint64(8, BigInt(version), true);
  randomFillSync(bytes, HEADER, payloadBytes);
  bytes.set(createHash('sha256').update(bytes.subarray(0, HEADER + payloadBytes)).digest(), HEADER + payloadBytes);
  process.stdout.write(`writing ${version}\n`);
  await save(target, bytes);
  process.stdout.write(`saved ${version}\n`);
}
