/**
 * `webgpu-rl export` without a GPU: checkpoints written by encodeCheckpoint (src/train/checkpoint.ts)
 * in the test (categorical, Gaussian and hybrid policies), exported by the command in process, the
 * .onnx run by onnxruntime-web (wasm backend, loaded from node_modules; see
 * test/unit/onnx-export.test.ts) against the float64 reference; and the command's errors, which
 * leave an existing --out untouched.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportCommand } from '../../src/cli/export';
import { mlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { encodeCheckpoint, type CheckpointObservationNormaliser } from '../../src/train/checkpoint';
import { mlpForward } from '../reference/mlp';
import { freshSeed, seededRandom } from '../support/random';

let dir = '';
beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  dir = await mkdtemp(join(tmpdir(), 'wgrl-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const categoricalActor: MlpSpec = { inputSize: 4, hiddenSizes: [6, 5], activation: 'tanh', heads: [{ name: 'policy', size: 2, gain: 0.01 }] };
const gaussianActor: MlpSpec = { inputSize: 3, hiddenSizes: [7], activation: 'relu', heads: [{ name: 'policy', size: 1, gain: 0.01 }], extras: { logStd: 1 } };
const critic = (inputSize: number): MlpSpec => ({ inputSize, hiddenSizes: [3], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] });

function randomBlock(spec: MlpSpec, agents: number, random: () => number): Float32Array {
  return Float32Array.from({ length: agents * mlpLayout(spec).parametersPerAgent }, () => 2 * random() - 1);
}

type CheckpointInput = Parameters<typeof encodeCheckpoint>[0];

function checkpointOf(kind: 'categorical' | 'gaussian', agents: number, random: () => number, normalised: boolean): CheckpointInput {
  const actor = kind === 'categorical' ? categoricalActor : gaussianActor;
  const size = actor.inputSize;
  const observationNormaliser: CheckpointObservationNormaliser | undefined = normalised
    ? {
        mean: Array.from({ length: size }, () => Math.fround(2 * random() - 1)),
        variance: Array.from({ length: size }, () => Math.fround(0.1 + 2 * random())),
        count: 1234,
        epsilon: 1e-8,
        clip: 10,
      }
    : undefined;
  return {
    algo: 'ppo',
    config: {},
    env: {
      id: kind === 'categorical' ? 'CartPole-v1' : 'Pendulum-v1',
      observationSpace: { kind: 'box', size, low: Array(size).fill(-5), high: Array(size).fill(5) },
      actionSpace: kind === 'categorical' ? { kind: 'discrete', n: 2 } : { kind: 'box', size: 1, low: [-2], high: [2] },
    },
    policy: kind,
    seed: 7,
    agents,
    iteration: 3,
    globalStep: 1536,
    networks: [
      { name: 'actor', spec: actor, parameters: randomBlock(actor, agents, random) },
      { name: 'critic', spec: critic(size), parameters: randomBlock(critic(size), agents, random) },
    ],
    ...(observationNormaliser ? { observationNormaliser } : {}),
  };
}

/** A hybrid policy's actor: D = 2 means, then branches [3, 2]. */
const HYBRID_NVEC = [3, 2];
const hybridActor: MlpSpec = { inputSize: 4, hiddenSizes: [6], activation: 'relu', heads: [{ name: 'policy', size: 2 + 5, gain: 0.01 }], extras: { logStd: 2 } };

function hybridCheckpointOf(random: () => number): CheckpointInput {
  return {
    ...checkpointOf('categorical', 1, random, true),
    env: {
      id: 'Aim-test',
      observationSpace: { kind: 'box', size: 4, low: Array(4).fill(-5), high: Array(4).fill(5) },
      actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 2, low: [-1, 0], high: [1, 2] }, nvec: HYBRID_NVEC },
    },
    policy: 'hybrid',
    networks: [
      { name: 'actor', spec: hybridActor, parameters: randomBlock(hybridActor, 1, random) },
      { name: 'critic', spec: critic(4), parameters: randomBlock(critic(4), 1, random) },
    ],
  };
}

async function writeCheckpoint(name: string, checkpoint: CheckpointInput): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, await encodeCheckpoint(checkpoint));
  return path;
}

/** Runs `export <args>` in process; resolves with what it printed, rejects with its error. */
async function runExport(args: string[]): Promise<string> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await exportCommand().exitOverride().configureOutput({ writeErr: () => {} }).parseAsync(args, { from: 'user' });
    return log.mock.calls.map((c) => c.join(' ')).join('\n');
  } finally {
    log.mockRestore();
  }
}

/** Float64 policy outputs of agent `agent` of the checkpoint, normaliser applied as the engine does. */
function reference(checkpoint: CheckpointInput, agent: number, observations: readonly Float32Array[]): Float64Array[] {
  const actor = checkpoint.networks[0]!;
  const layout = mlpLayout(actor.spec);
  const P = layout.parametersPerAgent;
  const n = checkpoint.observationNormaliser;
  const inputs = n
    ? observations.map((x) => Float64Array.from(x, (v, i) => Math.min(Math.max((v - n.mean[i]!) / Math.sqrt(n.variance[i]! + Math.fround(n.epsilon)), -n.clip), n.clip)))
    : observations;
  return mlpForward(layout, actor.parameters.subarray(agent * P, (agent + 1) * P), inputs).outputs.policy!;
}

async function runModel(path: string, observations: readonly Float32Array[]): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(path)));
  try {
    const size = observations[0]!.length;
    const flat = new Float32Array(observations.length * size);
    observations.forEach((x, r) => flat.set(x, r * size));
    return await session.run({ observations: new ort.Tensor('float32', flat, [observations.length, size]) });
  } finally {
    await session.release();
  }
}

function maxScaledError(actual: ArrayLike<number>, expected: readonly Float64Array[]): number {
  let worst = 0;
  const width = expected[0]!.length;
  expected.forEach((row, r) => row.forEach((e, j) => (worst = Math.max(worst, Math.abs(actual[r * width + j]! - e) / Math.max(1, Math.abs(e)) || (Number.isNaN(actual[r * width + j]!) ? Infinity : 0)))));
  return worst;
}

describe('webgpu-rl export', () => {
  it.each([
    { kind: 'categorical' as const, agents: 2, agent: 0, normalised: true },
    { kind: 'categorical' as const, agents: 3, agent: 2, normalised: false },
    { kind: 'gaussian' as const, agents: 1, agent: 0, normalised: true },
  ])('writes a model of a $kind checkpoint (agent $agent of $agents, normalised: $normalised) that onnxruntime-web runs as the reference does', async ({ kind, agents, agent, normalised }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const checkpoint = checkpointOf(kind, agents, random, normalised);
    const input = await writeCheckpoint(`${kind}-${agents}.wgrl`, checkpoint);
    const out = join(dir, `${kind}-${agents}.onnx`);
    const printed = await runExport(['--checkpoint', input, '--out', out, ...(agent !== 0 ? ['--agent', String(agent)] : [])]);
    expect(printed).toMatch(new RegExp(`^wrote ${out.replace(/[.\\]/g, '\\$&')} \\(\\d+ bytes\\): ${kind} policy of ppo on `));
    expect(printed.includes('observation normaliser folded in')).toBe(normalised);

    const size = checkpoint.networks[0]!.spec.inputSize;
    const observations = Array.from({ length: 200 }, () => Float32Array.from({ length: size }, () => 8 * random() - 4));
    const outputs = await runModel(out, observations);
    const expected = reference(checkpoint, agent, observations);
    const main = kind === 'categorical' ? 'logits' : 'mean';
    expect(maxScaledError(outputs[main]!.data as Float32Array, expected), `seed ${seed}`).toBeLessThan(1e-5);
    // The chosen agent's block, not another's: agent 0's outputs differ.
    if (agent !== 0) expect(maxScaledError(outputs[main]!.data as Float32Array, reference(checkpoint, 0, observations))).toBeGreaterThan(1e-2);
    if (kind === 'gaussian') {
      const actor = checkpoint.networks[0]!;
      const slot = mlpLayout(actor.spec).extras.logStd!;
      expect(Array.from(outputs.log_std!.data as Float32Array)).toEqual(Array.from(actor.parameters.subarray(slot.offset, slot.offset + slot.length)));
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a model of a hybrid checkpoint: mean, one logits_b per branch and log_std, as the reference computes them', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const checkpoint = hybridCheckpointOf(random);
    const input = await writeCheckpoint('hybrid.wgrl', checkpoint);
    const out = join(dir, 'hybrid.onnx');
    const printed = await runExport(['--checkpoint', input, '--out', out]);
    expect(printed, `seed ${seed}`).toMatch(
      /: hybrid policy of ppo on Aim-test, observations \[batch, 4\] → mean \[batch, 2\], logits_0 \[batch, 3\], logits_1 \[batch, 2\], log_std \[2\], observation normaliser folded in$/,
    );
    const observations = Array.from({ length: 200 }, () => Float32Array.from({ length: 4 }, () => 8 * random() - 4));
    const outputs = await runModel(out, observations);
    const expected = reference(checkpoint, 0, observations);
    expect(maxScaledError(outputs.mean!.data as Float32Array, expected.map((row) => row.subarray(0, 2))), `seed ${seed}: mean`).toBeLessThan(1e-5);
    expect(maxScaledError(outputs.logits_0!.data as Float32Array, expected.map((row) => row.subarray(2, 5))), `seed ${seed}: logits_0`).toBeLessThan(1e-5);
    expect(maxScaledError(outputs.logits_1!.data as Float32Array, expected.map((row) => row.subarray(5, 7))), `seed ${seed}: logits_1`).toBeLessThan(1e-5);
    const slot = mlpLayout(hybridActor).extras.logStd!;
    expect(Array.from(outputs.log_std!.data as Float32Array)).toEqual(Array.from(checkpoint.networks[0]!.parameters.subarray(slot.offset, slot.offset + slot.length)));
  });

  describe('errors leave an existing --out as it was', () => {
    const random = seededRandom(freshSeed());
    const cases: [string, () => Promise<string[]>, RegExp][] = [
      ['missing checkpoint', async () => ['--checkpoint', join(dir, 'nope.wgrl')], /--checkpoint .*nope.wgrl: cannot read it \(ENOENT\)/],
      [
        'altered checkpoint',
        async () => {
          const path = await writeCheckpoint('altered.wgrl', checkpointOf('categorical', 1, random, false));
          const bytes = await readFile(path);
          bytes[bytes.length - 40]! ^= 1;
          await writeFile(path, bytes);
          return ['--checkpoint', path];
        },
        /--checkpoint .*altered.wgrl: checkpoint checksum mismatch/,
      ],
      ['agent out of range', async () => ['--checkpoint', await writeCheckpoint('g2.wgrl', checkpointOf('categorical', 2, random, false)), '--agent', '2'], /agent must be an integer in \[0, 1\], one of the checkpoint's 2 agents \(got 2\)/],
      ['agent not an integer', async () => ['--checkpoint', join(dir, 'g2.wgrl'), '--agent', 'x'], /--agent must be a non-negative integer \(got 'x'\)/],
      [
        "another agent's statistics",
        async () => ['--checkpoint', await writeCheckpoint('g2n.wgrl', checkpointOf('categorical', 2, random, true)), '--agent', '1'],
        /agent 1: the checkpoint holds the observation statistics of agent 0 only/,
      ],
      [
        'policy kind against the action space',
        async () => ['--checkpoint', await writeCheckpoint('kind.wgrl', { ...checkpointOf('gaussian', 1, random, false), policy: 'categorical' })],
        /checkpoint policy 'categorical' does not fit env 'Pendulum-v1''s box action space \(expected 'gaussian'\)/,
      ],
      [
        'a hybrid env with a Gaussian policy',
        async () => ['--checkpoint', await writeCheckpoint('hybrid-kind.wgrl', { ...hybridCheckpointOf(random), policy: 'gaussian' })],
        /checkpoint policy 'gaussian' does not fit env 'Aim-test''s hybrid action space \(expected 'hybrid'\)/,
      ],
      [
        'a hybrid policy head without the branches',
        async () => {
          const c = hybridCheckpointOf(random);
          const actor: MlpSpec = { ...hybridActor, heads: [{ name: 'policy', size: 2 + 3, gain: 0.01 }] };
          return ['--checkpoint', await writeCheckpoint('hybrid-width.wgrl', { ...c, networks: [{ name: 'actor', spec: actor, parameters: randomBlock(actor, 1, random) }, c.networks[1]!] })];
        },
        /checkpoint actor's policy head has 5 outputs but env 'Aim-test''s hybrid action space needs 7 \(D \+ Σ nvec: 2 means, then 5 logits\)/,
      ],
      [
        'a hybrid actor with a log-std of the whole head',
        async () => {
          const c = hybridCheckpointOf(random);
          const actor: MlpSpec = { ...hybridActor, extras: { logStd: 7 } };
          return ['--checkpoint', await writeCheckpoint('hybrid-logstd.wgrl', { ...c, networks: [{ name: 'actor', spec: actor, parameters: randomBlock(actor, 1, random) }, c.networks[1]!] })];
        },
        /checkpoint actor's extras.logStd has 7 values; env 'Aim-test' needs 2, one per continuous dim of its hybrid action space/,
      ],
      [
        'no actor',
        async () => {
          const c = checkpointOf('categorical', 1, random, false);
          return ['--checkpoint', await writeCheckpoint('noactor.wgrl', { ...c, networks: c.networks.slice(1) })];
        },
        /checkpoint has no 'actor' network to export \(it has 'critic'\)/,
      ],
    ];
    it.each(cases)('%s', async (_, args, message) => {
      const out = join(dir, 'kept.onnx');
      await writeFile(out, 'previous model');
      await expect(runExport([...(await args()), '--out', out])).rejects.toThrow(message);
      expect(await readFile(out, 'utf8')).toBe('previous model');
    });

    it('an unwritable --out', async () => {
      const input = await writeCheckpoint('ok.wgrl', checkpointOf('categorical', 1, random, false));
      await expect(runExport(['--checkpoint', input, '--out', join(dir, 'no-such-dir', 'policy.onnx')])).rejects.toThrow(/--out .*policy.onnx: cannot write it \(ENOENT\)/);
    });
  });
});
