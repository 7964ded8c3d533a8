#!/usr/bin/env node
/**
 * The `webgpu-rl` command. Subcommands live in their own files; this one only wires them up.
 */
import { Command } from 'commander';
import { installAdapterSource } from '../gpu/device';
import { dawnAdapterSource } from '../node/dawn';
import { ENGINE_VERSION as VERSION } from '../version';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { rolloutCommand } from './rollout';
import { selfcheckCommand } from './selfcheck';
import { trainCommand } from './train';

installAdapterSource(dawnAdapterSource);

const program = new Command()
  .name('webgpu-rl')
  .description('Policy-gradient reinforcement learning on WebGPU compute shaders')
  .version(VERSION);

program.addCommand(selfcheckCommand());
program.addCommand(trainCommand());
program.addCommand(rolloutCommand());
program.addCommand(evalCommand());
program.addCommand(exportCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`webgpu-rl: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
