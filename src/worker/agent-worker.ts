/**
 * The dedicated worker's script that {@link WorkerAgent} starts: it serves one Agent on the
 * worker's own GPU device (src/worker/agent-host.ts).
 */
import { serveAgent } from './agent-host';
import type { Endpoint } from './protocol';

serveAgent(globalThis as unknown as Endpoint);
