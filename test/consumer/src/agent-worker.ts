// The game's own worker script: the package's agent host with the game's JavaScript env, which
// cannot cross a thread, served by name.
import { serveAgent, type WorkerEndpoint } from 'webgpu-rl';
import { seek } from './game';

serveAgent(self as unknown as WorkerEndpoint, { envs: { seek } });
