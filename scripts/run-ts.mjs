#!/usr/bin/env node
// Runs a TypeScript build script's exported main(args) on Node 20, which cannot run TypeScript
// itself: Vite's module runner loads the script and what it imports from src/ (extensionless
// imports, WGSL files through scripts/vite-plugin-wgsl.ts), as the build and the tests see them.
//   node scripts/run-ts.mjs scripts/config-schema.ts [args…]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-ts.mjs <script.ts> [args…]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const { module: wgsl } = await runnerImport(resolve(root, 'scripts/vite-plugin-wgsl.ts'), { root, logLevel: 'error' });
const { module } = await runnerImport(resolve(script), { root, plugins: [wgsl.wgslPlugin()], logLevel: 'error' });
if (typeof module.main !== 'function') {
  console.error(`${script} exports no main()`);
  process.exit(2);
}
await module.main(args);
