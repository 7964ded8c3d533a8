#!/usr/bin/env node
/**
 * The last step of `npm run build:lib`: the CLI gets its run bit (Vite writes files without it, and
 * `npx webgpu-rl` in a clone must start), and the tarball's file list is checked against what the
 * package promises (every `exports` target and the `bin` exist).
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

for (const bin of Object.values(pkg.bin)) chmodSync(join(root, bin), 0o755);

const targets = Object.values(pkg.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
const missing = [...targets, ...Object.values(pkg.bin)].filter((path) => !existsSync(join(root, path)));
if (missing.length > 0) {
  console.error(`build:lib: package.json names files the build did not write: ${missing.join(', ')}`);
  process.exit(1);
}
