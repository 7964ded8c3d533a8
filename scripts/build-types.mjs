#!/usr/bin/env node
/**
 * The package's type declarations: `tsc -p tsconfig.types.json` writes dist/types/ (one .d.ts per
 * source file), then every relative import in them gets its explicit `.js` (or `/index.js`), as
 * ECMAScript module resolution (`moduleResolution: nodenext`) requires — the sources import without
 * extensions, which `moduleResolution: bundler` alone accepts. Each entry's declarations also
 * reference @webgpu/types, whose GPU* types they use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'types');
const ENTRIES = ['index.d.ts', 'node.d.ts', 'engine.d.ts', 'mujoco.d.ts', 'games.d.ts'];

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.types.json')], { stdio: 'inherit' });

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? declarationFiles(path) : path.endsWith('.d.ts') ? [path] : [];
  });
}

/** `./x` → `./x.js` when x.d.ts exists, `./x/index.js` when x is a folder of declarations. */
function withExtension(file, specifier) {
  if (!specifier.startsWith('.') || /\.(js|json)$/.test(specifier)) return specifier;
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${specifier}/index.js`;
  throw new Error(`${file}: cannot resolve '${specifier}' among the declarations`);
}

let rewritten = 0;
for (const file of declarationFiles(out)) {
  const text = readFileSync(file, 'utf8');
  let next = text.replace(/(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.[^'"]*)\2/g, (_, lead, quote, specifier) => `${lead}${quote}${withExtension(file, specifier)}${quote}`);
  if (ENTRIES.includes(file.slice(out.length + 1))) next = `/// <reference types="@webgpu/types" />\n${next}`;
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}
console.log(`types: ${declarationFiles(out).length} declaration files in dist/types (${rewritten} rewritten)`);
