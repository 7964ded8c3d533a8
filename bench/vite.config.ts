import { defineConfig } from 'vite';
import { wgslPlugin } from '../scripts/vite-plugin-wgsl.ts';

// `npm run bench` builds bench/main.ts with Vite, then runs the bundle in Node. Vite, not a TypeScript
// loader, because the engine's sources need it: the WGSL files reach the kernels as module imports
// that scripts/vite-plugin-wgsl.ts resolves. The bundle holds the
// engine and the benchmarks; every package (Dawn, commander, TF.js for the peers) stays an import
// that Node resolves from node_modules at run time.
export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  logLevel: 'warn',
  plugins: [wgslPlugin()],
  build: {
    target: 'node20',
    outDir: 'bench/.build',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    // Two programs: main.js (every benchmark, `npm run bench…`) and device.js (`npm run bench:device`).
    ssr: true,
    rollupOptions: {
      input: { main: 'bench/main.ts', device: 'bench/device.ts' },
      // Bare specifiers (packages) and node: builtins stay imports; relative sources are bundled.
      external: (id: string) => /^node:/.test(id) || !/^[./]/.test(id) && !/^[A-Za-z]:/.test(id) && !id.startsWith('\0'),
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
