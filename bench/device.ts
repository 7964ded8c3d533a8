/**
 * `npm run bench:device` (bench/commands/device.ts) as a program of its own (bench/.build/device.js):
 * it loads Dawn's `webgpu` and commander only, not the peers' TF.js, so that a machine lent for a
 * few minutes runs it with the fewest packages.
 */
import { installAdapterSource } from '../src/gpu/device';
import { dawnAdapterSource } from '../src/node/dawn';
import { benchDeviceCommand } from './commands/device';

installAdapterSource(dawnAdapterSource);

benchDeviceCommand()
  .name('bench:device')
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`bench:device: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
