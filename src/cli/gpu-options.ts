/** Options every GPU command shares, and the device they describe. */
import type { Command } from 'commander';
import { acquireGpu, formatAdapter, type Gpu } from '../gpu/index';

export interface GpuCliOptions {
  software?: boolean;
  dawn?: string[];
}

export function addGpuOptions(command: Command): Command {
  return command
    .option('--software', 'use SwiftShader even where a GPU exists (reproducible numbers)')
    .option('--dawn <option...>', "options for Dawn's create(), e.g. enable-dawn-features=disable_robustness");
}

/** Acquires the device and prints which adapter runs, so every number names its hardware. */
export async function acquireFromCli(options: GpuCliOptions): Promise<Gpu> {
  const gpu = await acquireGpu({ forceSoftware: options.software ?? false, dawnOptions: options.dawn ?? [] });
  console.log(`adapter: ${formatAdapter(gpu.adapter)}`);
  return gpu;
}
