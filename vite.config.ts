import { defineConfig } from 'vitest/config';
import { agentWorkerUrlPlugin } from './scripts/vite-plugin-agent-worker.ts';
import { wgslPlugin } from './scripts/vite-plugin-wgsl.ts';

// One config for the three things Vite does here:
// - `vite build`: the library (dist/index.js) and the Node CLI (dist/cli.js); each WGSL file is
//   inlined, as a ShaderPart, into the module that imports it (scripts/vite-plugin-wgsl.ts).
// - `vitest run`: kernel tests in Node on Dawn, and browser tests through Puppeteer.
// - the demo page (demo/), served by the dev server.
// `vite build --mode demo` (and `vite --mode demo`, the dev server): the demo page as a static site
// in demo-dist/, with relative URLs so any static server (or a sub-path) serves it.
const demo = {
  root: 'demo',
  plugins: [wgslPlugin()],
  base: './',
  build: { target: 'es2022', outDir: '../demo-dist', emptyOutDir: true, sourcemap: true },
  server: { fs: { allow: ['..'] } },
  // MuJoCo's bindings find mujoco.wasm beside mujoco.js (new URL(…, import.meta.url)); the dev
  // server's dependency pre-bundling would move the script away from it.
  optimizeDeps: { exclude: ['@mujoco/mujoco'] },
  // The worker agent's script (new Worker(new URL(…, import.meta.url))) as an ES module: it
  // loads algorithms on demand.
  worker: { format: 'es' as const, plugins: () => [wgslPlugin()] },
};

export default defineConfig(({ mode }) => (mode === 'demo' ? demo : {
  // The worker agent's script is an entry of the library (scripts/vite-plugin-agent-worker.ts).
  plugins: [wgslPlugin(), agentWorkerUrlPlugin()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: {
        index: 'src/index.ts',
        node: 'src/node.ts',
        'node-browser': 'src/node-browser.ts',
        engine: 'src/engine.ts',
        mujoco: 'src/mujoco.ts',
        games: 'src/games.ts',
        'agent-worker': 'src/worker/agent-worker.ts',
        cli: 'src/cli/main.ts',
      },
      formats: ['es'],
    },
    rollupOptions: {
      // Every package stays an import (node: builtins, Dawn, valibot, …): the consumer's bundler or
      // Node resolves them, once, from its own node_modules.
      external: (id: string) => /^node:/.test(id) || /^[@a-z]/i.test(id),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Dawn as acquireGpu's adapter source; fake-indexeddb's IDB* classes as globals (not its factory),
    // which the IndexedDB store's idb needs in Node.
    setupFiles: ['test/support/setup.ts', 'test/support/indexeddb-classes.ts'],
    // Each test file gets its own process and its own Dawn instance; SwiftShader is slow, so
    // kernel tests get generous time (they are sized for it, not for a hardware GPU).
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
}));
