/**
 * The PyTorch-CPU peer's runner (bench/peers/torch-cpu.ts) without Python: the script's JSON line
 * becomes the suite's row, and a machine without torch gets a skip that names the install command
 * (CI runs the suite's quick mode without torch).
 */
import { describe, expect, it } from 'vitest';
import { PeerSkipped } from '../../bench/ppo/peer';
import {
  parseTorchOutput,
  runTorchCpuPeer,
  TORCH_DEFAULT_PYTHON,
  TORCH_INSTALL_COMMAND,
  torchPeerResult,
  torchPython,
  TORCH_PYTHON_VARIABLE,
} from '../../bench/peers/torch-cpu';

const LINE = JSON.stringify({
  sps: 5000.5,
  iterations: 4,
  returns_by_iteration: [null, 20.5, 40, 70.25],
  torch: '1.13.0a0',
  threads: 2,
  blas: 'not OpenBLAS',
});

describe('PyTorch-CPU peer runner', () => {
  it('parses the last JSON line, ignoring what was printed before it', () => {
    const out = parseTorchOutput(`a warning\n${LINE}\n`);
    expect(out.sps).toBe(5000.5);
    expect(out.returns_by_iteration).toEqual([null, 20.5, 40, 70.25]);
    expect(out.torch).toBe('1.13.0a0');
  });

  it('rejects output without the JSON line or its fields', () => {
    expect(() => parseTorchOutput('Traceback …')).toThrow(/no JSON line/);
    expect(() => parseTorchOutput('{"sps": 1}')).toThrow(/lacks/);
  });

  it('judges learning from the returns (null as NaN), N = 1 024 by the N = 64 run, quick runs not at all', () => {
    const memory = new Map();
    const at64 = torchPeerResult(parseTorchOutput(LINE), { numEnvs: 64, quick: false }, memory);
    expect(at64.learned).toBe(true);
    expect(at64.returnsByIteration?.[0]).toBeNaN();
    expect(at64.notes).toContain('3 timed iterations after 1 warm-up');
    expect(at64.notes).toContain('20.5 → 70.3');
    const short = JSON.stringify({ sps: 1, iterations: 3, returns_by_iteration: [22, 25, 30] });
    expect(torchPeerResult(parseTorchOutput(short), { numEnvs: 1024, quick: false }, memory).learned).toBe(true);
    expect(torchPeerResult(parseTorchOutput(short), { numEnvs: 1024, quick: false }, new Map()).learned).toBe(false);
    const flat = JSON.stringify({ sps: 1, iterations: 3, returns_by_iteration: [22, 23, 22] });
    expect(torchPeerResult(parseTorchOutput(flat), { numEnvs: 4, quick: false }).learned).toBe(false);
    const quick = torchPeerResult(parseTorchOutput(LINE), { numEnvs: 4, quick: true });
    expect(quick.learned).toBe(false);
    expect(quick.notes).toContain('quick: learning not judged');
  });

  it('takes the interpreter from the environment, else Debian\'s', () => {
    expect(torchPython({})).toBe(TORCH_DEFAULT_PYTHON);
    expect(torchPython({ [TORCH_PYTHON_VARIABLE]: ' ' })).toBe(TORCH_DEFAULT_PYTHON);
    expect(torchPython({ [TORCH_PYTHON_VARIABLE]: '/opt/venv/bin/python' })).toBe('/opt/venv/bin/python');
  });

  it('skips, naming the install command, when the interpreter is missing', async () => {
    const run = runTorchCpuPeer({ env: 'CartPole-v1', numEnvs: 4, quick: true, budgetSeconds: 1, python: '/nonexistent/python3' });
    await expect(run).rejects.toBeInstanceOf(PeerSkipped);
    await expect(run).rejects.toThrow(TORCH_INSTALL_COMMAND);
    await expect(run).rejects.toThrow(/no such interpreter/);
  });

  it('skips when the interpreter cannot import torch', async () => {
    // Node stands in for a Python without torch: `-c` is not a script it can run, so it fails.
    const run = runTorchCpuPeer({ env: 'CartPole-v1', numEnvs: 4, quick: true, budgetSeconds: 1, python: process.execPath });
    await expect(run).rejects.toBeInstanceOf(PeerSkipped);
  });
});
