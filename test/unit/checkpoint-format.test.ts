/**
 * checkpoint.wgrl format version 3 without a GPU: the byte layout by hand (magic, version, header
 * length, 4-byte alignment, the SHA-256 of everything before it), exact round trips, and every
 * refusal: foreign bytes, a newer or older format, a wrong digest (one flipped bit anywhere), a
 * truncated file, sections outside the data, and checkCheckpointMatches naming what differs; a
 * format-2 file (test/fixtures/cartpole-ppo-seed1.wgrl) read into today's report layout; a hybrid
 * policy's checkpoint round trip, and checkCheckpointPolicy naming a policy kind, a head width or a
 * log-std that does not fit the env's action space.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actorSpec, criticSpec, hybridActorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { CHECKPOINT_FORMAT_VERSION, checkCheckpointMatches, checkCheckpointPolicy, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint';
import { decodeReport, decodeReportMaskErrors, REPORT_BYTES } from '../../src/train/report';
import { ENGINE_VERSION } from '../../src/version';
import { freshSeed, seededRandom } from '../support/random';

const actor = actorSpec(4, 2, [5]);
const critic = criticSpec(4, [5]);

// One seed for the file: the samples come from one stream, in test order (replay the whole file).
const uniform = seededRandom(freshSeed());

function sample(): Omit<Checkpoint, 'engineVersion' | 'createdAt'> {
  const random = (n: number) => Float32Array.from({ length: n }, () => uniform() * 2 - 1);
  return {
    algo: 'ppo',
    config: { numEnvs: 3, env: 'CartPole-v1' },
    env: { id: 'CartPole-v1', observationSpace: { kind: 'box', size: 4, low: [-4.8, -Infinity, -0.42, -Infinity], high: [4.8, Infinity, 0.42, Infinity] }, actionSpace: { kind: 'discrete', n: 2 } },
    policy: 'categorical',
    seed: 7,
    agents: 1,
    iteration: 5,
    globalStep: 640,
    networks: [
      { name: 'actor', spec: actor, parameters: random(mlpLayout(actor).parametersPerAgent) },
      { name: 'critic', spec: critic, parameters: random(mlpLayout(critic).parametersPerAgent) },
    ],
    observationNormaliser: { mean: [0.1, 0.2, 0.3, 0.4], variance: [1, 2, 3, 4], count: 100.0001, epsilon: 1e-8, clip: 10 },
    optimizer: { kind: 'adam', steps: 80 },
    // Odd sizes: sections are padded to 4 bytes.
    state: { odd: Uint8Array.of(1, 2, 3), empty: new Uint8Array(0), 'adam.firstMoment': new Uint8Array(random(9).buffer) },
  };
}

/** A hybrid env's checkpoint: D = 3 continuous dims and branches [4, 1, 3], the actor's head 3 + 8 wide. */
function hybridSample(): Omit<Checkpoint, 'engineVersion' | 'createdAt'> {
  const hybridActor = hybridActorSpec(5, 3, 8, [6]);
  const hybridCritic = criticSpec(5, [6]);
  const random = (n: number) => Float32Array.from({ length: n }, () => uniform() * 2 - 1);
  return {
    ...sample(),
    config: { env: 'Aim-v0' },
    env: {
      id: 'Aim-v0',
      observationSpace: { kind: 'box', size: 5, low: new Array(5).fill(-Infinity), high: new Array(5).fill(Infinity) },
      actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 3, low: [-1, -1, 0], high: [1, 1, Infinity] }, nvec: [4, 1, 3] },
    },
    policy: 'hybrid',
    networks: [
      { name: 'actor', spec: hybridActor, parameters: random(mlpLayout(hybridActor).parametersPerAgent) },
      { name: 'critic', spec: hybridCritic, parameters: random(mlpLayout(hybridCritic).parametersPerAgent) },
    ],
    observationNormaliser: { mean: [0, 0.1, 0.2, 0.3, 0.4], variance: [1, 1, 2, 2, 3], count: 10, epsilon: 1e-8, clip: 10 },
  };
}

describe('checkpoint format 2', () => {
  it('lays out magic, version, header and digest as documented, and round-trips exactly', async () => {
    const original = sample();
    const bytes = await encodeCheckpoint(original);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('WGRL');
    expect(view.getUint32(4, true)).toBe(CHECKPOINT_FORMAT_VERSION);
    const headerLength = view.getUint32(8, true);
    expect(headerLength % 4).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'wgrl-checkpoint', formatVersion: CHECKPOINT_FORMAT_VERSION, engineVersion: ENGINE_VERSION, iteration: 5, algo: 'ppo' });
    const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest();
    expect(Buffer.compare(digest, bytes.subarray(bytes.length - 32))).toBe(0);

    const decoded = await decodeCheckpoint(bytes);
    expect(decoded.engineVersion).toBe(ENGINE_VERSION);
    const { engineVersion: _v, createdAt: _c, ...rest } = decoded;
    // ±Infinity bounds survive (JSON writes them as null, so they are stored as strings).
    expect(rest).toEqual(original);
    expect([...decoded.state!.odd!]).toEqual([1, 2, 3]);
  });

  it('refuses foreign, newer, older, altered and truncated bytes', async () => {
    const bytes = await encodeCheckpoint(sample());
    await expect(decodeCheckpoint(new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not a checkpoint at all'))).rejects.toThrow(
      "not a .wgrl checkpoint (magic 'PK\u0003\u0004', expected 'WGRL')",
    );
    await expect(decodeCheckpoint(new Uint8Array(8))).rejects.toThrow('not a .wgrl checkpoint (8 bytes is too short to be one)');
    for (const [version, message] of [
      [4, `checkpoint format version 4 is newer than this engine (${ENGINE_VERSION}) reads (≤ 3); upgrade webgpu-rl to load it`],
      [1, 'checkpoint format version 1 (parameters only, written by webgpu-rl 0.1) is not supported: it lacks the state to resume from; retrain'],
    ] as const) {
      const changed = bytes.slice();
      new DataView(changed.buffer).setUint32(4, version, true);
      await expect(decodeCheckpoint(changed)).rejects.toThrow(message);
    }
    // One flipped bit anywhere after the version word: header, data or digest.
    for (const at of [12, 40, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1]) {
      const altered = bytes.slice();
      altered[at]! ^= 1;
      await expect(decodeCheckpoint(altered), `bit flipped at byte ${at}`).rejects.toThrow(/checkpoint checksum mismatch \(stored SHA-256 [0-9a-f]{16}…, computed [0-9a-f]{16}…\): the file is truncated or altered/);
    }
    await expect(decodeCheckpoint(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(/checksum mismatch/);
  });

  it('names the difference between a checkpoint and what it is loaded into', async () => {
    const checkpoint = await decodeCheckpoint(await encodeCheckpoint(sample()));
    expect(() => checkCheckpointMatches(checkpoint, { algo: 'ppo', observationSize: 4, actionSpace: { kind: 'discrete', n: 2 }, networks: [{ name: 'actor', spec: actor }] })).not.toThrow();
    expect(() => checkCheckpointMatches(checkpoint, { algo: 'trpo' })).toThrow("checkpoint was trained by 'ppo', not 'trpo'");
    expect(() => checkCheckpointMatches(checkpoint, { observationSize: 6 })).toThrow("checkpoint env 'CartPole-v1' has observations of 4 values; this env has 6");
    expect(() => checkCheckpointMatches(checkpoint, { actionSpace: { kind: 'box', size: 1, low: [-2], high: [2] } })).toThrow(
      `checkpoint env 'CartPole-v1' has action space {"kind":"discrete","n":2}; this env has {"kind":"box","size":1,"low":[-2],"high":[2]}`,
    );
    expect(() => checkCheckpointMatches(checkpoint, { networks: [{ name: 'actor', spec: actorSpec(4, 2, [6]) }] })).toThrow(/checkpoint network 'actor' is .*"hiddenSizes":\[5\].*; expected .*"hiddenSizes":\[6\]/);
    expect(() => checkCheckpointMatches(checkpoint, { networks: [{ name: 'policy', spec: actor }] })).toThrow("checkpoint has no network 'policy' (it has actor, critic)");
  });

  it('round-trips a hybrid policy\'s checkpoint, whose policy fits its env', async () => {
    const original = hybridSample();
    const decoded = await decodeCheckpoint(await encodeCheckpoint(original));
    const { engineVersion: _v, createdAt: _c, ...rest } = decoded;
    expect(rest).toEqual(original);
    expect(() => checkCheckpointPolicy(decoded)).not.toThrow();
    expect(() => checkCheckpointPolicy(original as Checkpoint)).not.toThrow();
    expect(() => checkCheckpointPolicy(sample() as Checkpoint)).not.toThrow();
    expect(() => checkCheckpointMatches(decoded, { actionSpace: { ...decoded.env.actionSpace, nvec: [4, 3] } as Checkpoint['env']['actionSpace'] })).toThrow(
      /checkpoint env 'Aim-v0' has action space .*"nvec":\[4,1,3\]\}; this env has .*"nvec":\[4,3\]\}/,
    );
  });

  it('checkCheckpointPolicy names a policy kind, a policy head or a log-std that does not fit the env\'s action space', () => {
    const hybrid = hybridSample() as Checkpoint;
    const discrete = sample() as Checkpoint;
    const withActor = (checkpoint: Checkpoint, spec: Checkpoint['networks'][number]['spec']): Checkpoint => ({
      ...checkpoint,
      networks: [{ name: 'actor', spec, parameters: new Float32Array(mlpLayout(spec).parametersPerAgent) }, checkpoint.networks[1]!],
    });
    const cases: [string, Checkpoint, string][] = [
      ['a Gaussian policy on a hybrid env', { ...hybrid, policy: 'gaussian' }, "checkpoint policy 'gaussian' does not fit env 'Aim-v0''s hybrid action space (expected 'hybrid')"],
      ['a hybrid policy on a discrete env', { ...discrete, policy: 'hybrid' }, "checkpoint policy 'hybrid' does not fit env 'CartPole-v1''s discrete action space (expected 'categorical')"],
      ['an unknown kind', { ...discrete, policy: 'beta' as 'categorical' }, "checkpoint policy 'beta' does not fit env 'CartPole-v1''s discrete action space (expected 'categorical')"],
      [
        'a head of the means only',
        withActor(hybrid, { ...hybridActorSpec(5, 3, 8, [6]), heads: [{ name: 'policy', size: 3, gain: 0.01 }] }),
        "checkpoint actor's policy head has 3 outputs but env 'Aim-v0''s hybrid action space needs 11 (D + Σ nvec: 3 means, then 8 logits)",
      ],
      ['a hybrid actor without a log-std', withActor(hybrid, { ...hybridActorSpec(5, 3, 8, [6]), extras: {} }), "checkpoint actor's extras.logStd has 0 values; env 'Aim-v0' needs 3, one per continuous dim of its hybrid action space"],
      [
        'a categorical actor with a log-std',
        withActor(discrete, { ...actorSpec(4, 2, [5]), extras: { logStd: 2 } }),
        "checkpoint actor's extras.logStd has 2 values; env 'CartPole-v1' needs none: a categorical policy has no continuous dims",
      ],
      ['a discrete head of another width', withActor(discrete, actorSpec(4, 3, [5])), "checkpoint actor's policy head has 3 outputs but env 'CartPole-v1''s discrete action space needs 2 (a logit per action)"],
      ['no actor', { ...hybrid, networks: hybrid.networks.slice(1) }, "checkpoint has no 'actor' network (it has 'critic')"],
    ];
    for (const [what, checkpoint, message] of cases) expect(() => checkCheckpointPolicy(checkpoint), what).toThrow(message);
  });

  it('reads a format-2 checkpoint, moving its report into the layout with mask-error and metric words', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/cartpole-ppo-seed1.wgrl', import.meta.url)));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(2);
    const summary = JSON.parse(readFileSync(new URL('../fixtures/cartpole-ppo-seed1.summary.json', import.meta.url), 'utf8')) as { final_return_mean_100: number; episodes: number };
    const checkpoint = await decodeCheckpoint(bytes);
    const report = checkpoint.state!.report!;
    expect(report.byteLength).toBe(REPORT_BYTES);
    const [agent] = decodeReport(report.slice().buffer, 1);
    // The ring and its count as the run left them: the summary's final mean of the last 100 returns.
    expect(agent!.episodesFinished).toBe(summary.episodes);
    expect(agent!.returnMean100).toBeCloseTo(summary.final_return_mean_100, 2);
    expect(decodeReportMaskErrors(report.slice().buffer)).toBeNull();
  });
});
