/**
 * The board games of webgpu-rl/games as the command's envs: the package root leaves them out (a
 * page that plays none does not load their shaders), the command registers them so that `--env
 * ConnectFour-v0`, `--env Pong-v0` and their checkpoints resolve. Registering twice is a no-op (registerEnv).
 */
import { registerEnv } from '../envs/registry';
import { connectFour } from '../games/connect-four';
import { pong } from '../games/pong';

/** Registers ConnectFour-v0 and Pong-v0; each command that names envs calls it before it lists or looks them up. */
export function registerGameEnvs(): void {
  registerEnv(connectFour);
  registerEnv(pong);
}
