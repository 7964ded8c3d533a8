/** `webgpu-rl eval` run in process, for the command's tests. */
import { vi } from 'vitest';
import { evalCommand } from '../../src/cli/eval';

/** Runs `eval <args>` in process; resolves with what it printed and the error it ended with. */
export async function runEval(args: string[]): Promise<{ printed: string[]; error: Error | null }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await evalCommand().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }).parseAsync(args, { from: 'user' });
    return { printed: log.mock.calls.map((c) => c.join(' ')), error: null };
  } catch (error) {
    return { printed: log.mock.calls.map((c) => c.join(' ')), error: error as Error };
  } finally {
    log.mockRestore();
  }
}
