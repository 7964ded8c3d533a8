/**
 * The library build's handling of the worker agent's script. In the sources, WorkerAgent starts
 * `new Worker(new URL('./agent-worker.ts', import.meta.url), { type: 'module' })`, which Vite's dev
 * server, the demo's build and the browser tests follow as they are. The library instead builds
 * src/worker/agent-worker.ts as an entry of its own (dist/agent-worker.js, sharing the engine's
 * chunks with dist/index.js rather than a second copy of them), and this plugin points the URL at
 * it: Vite's worker bundling is kept off that expression while the library is built, and the
 * finished chunk names './agent-worker.js' beside it, the `new Worker(new URL(…, import.meta.url))`
 * form that a game's bundler (Vite, webpack 5, Parcel) follows in its own build.
 */
import type { Plugin } from 'vite';

const SOURCE = "new URL('./agent-worker.ts', import.meta.url)";
/** The identifier the URL is held in between transform and renderChunk (no module declares it). */
const URL_TOKEN = '__WEBGPU_RL_AGENT_WORKER_URL__';

export function agentWorkerUrlPlugin(): Plugin {
  return {
    name: 'webgpu-rl:agent-worker-url',
    enforce: 'pre',
    apply: 'build',
    transform(code, id) {
      if (!id.endsWith('/src/worker/worker-agent.ts')) return null;
      if (!code.includes(SOURCE)) this.error(`${id} no longer starts its worker with ${SOURCE}: update scripts/vite-plugin-agent-worker.ts`);
      return { code: code.replace(SOURCE, `new URL(${URL_TOKEN}, import.meta.url)`), map: null };
    },
    renderChunk(code) {
      if (!code.includes(URL_TOKEN)) return null;
      return { code: code.replaceAll(URL_TOKEN, JSON.stringify('./agent-worker.js')), map: null };
    },
  };
}
