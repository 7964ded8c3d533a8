/**
 * The benchmarks, one program (`bench/.build/main.js`, built by bench/vite.config.ts): `ppo` (the
 * PPO suite against its peers, `npm run bench`), `runtime`, `nn`, `envs`, `heads` and `mujoco`
 * (`npm run bench:runtime`, `bench:nn`, `bench:envs`, `bench:heads`, `bench:mujoco`), and `act`
 * (act() latency, GPU against the CPU policy). Every command
 * prints the adapter it ran on.
 */
import { Command } from 'commander';
import { installAdapterSource } from '../src/gpu/device';
import { dawnAdapterSource } from '../src/node/dawn';
import { benchActCommand } from './commands/act';
import { benchEnvsCommand } from './commands/envs';
import { benchHeadsCommand } from './commands/heads';
import { benchMujocoCommand } from './commands/mujoco';
import { benchNnCommand } from './commands/nn';
import { benchPpoCommand } from './commands/ppo';
import { benchRuntimeCommand } from './commands/runtime';

installAdapterSource(dawnAdapterSource);

new Command()
  .name('bench')
  .description('webgpu-rl benchmarks')
  .addCommand(benchPpoCommand())
  .addCommand(benchRuntimeCommand())
  .addCommand(benchNnCommand())
  .addCommand(benchEnvsCommand())
  .addCommand(benchHeadsCommand())
  .addCommand(benchMujocoCommand())
  .addCommand(benchActCommand())
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
