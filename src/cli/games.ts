/**
 * The board games of webgpu-rl/games as the command's envs: the package root leaves them out (a
 * page that plays none does not load their shaders), the command registers them so that `--env
 * ConnectFour-v0` and its checkpoints resolve. Registering twice is a no-op (registerEnv).
 */
import { registerEnv } from '../envs/registry';
import { connectFour } from '../games/connect-four';

/** Registers ConnectFour-v0; each command that names envs calls it before it lists or looks them up. */
export function registerGameEnvs(): void {
  registerEnv(connectFour);
}
