import { defineConfig } from 'vite';

// The worker page (worker.html), built apart from the game's page so that the page's JavaScript
// budget measures a page that trains on its own thread. Workers as ES modules: the agent's worker
// loads its algorithms on demand (code splitting).
export default defineConfig({
  build: { outDir: 'dist-worker', rollupOptions: { input: 'worker.html' } },
  worker: { format: 'es' },
});
