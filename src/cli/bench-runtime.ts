import { Command } from 'commander';
export function benchRuntimeCommand(): Command {
  return new Command('runtime');
}
