#!/usr/bin/env node
// The `webgpu-rl` command from the sources, in a process of its own, for tests that must send it a
// real signal: a Vite module runner (no watcher, no socket, so the process ends when the command
// does) loads src/cli/main.ts with the arguments after this script's name, WGSL files through
// scripts/vite-plugin-wgsl.ts.
//   node test/support/cli-process.mjs train --env CartPole-v1 --out runs/x
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, createServerModuleRunner, runnerImport } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { module: wgsl } = await runnerImport(resolve(root, 'scripts/vite-plugin-wgsl.ts'), { root, logLevel: 'error' });
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  plugins: [wgsl.wgslPlugin()],
  server: { middlewareMode: true, watch: null, ws: false, hmr: false },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true },
});
process.argv = [process.argv[0], 'webgpu-rl', ...process.argv.slice(2)];
await createServerModuleRunner(server.environments.ssr, { hmr: false }).import(resolve(root, 'src/cli/main.ts'));
