/**
 * The demonstrations recorder (src/agent/demonstrations.ts): what it stores, the dataset layout the
 * cloning trainer uploads, the JSON round trip, and the errors for bad input, for every action space
 * (a hybrid one's rows of D f32 then K u32 words included).
 */
import { describe, expect, it } from 'vitest';
import { Demonstrations, DEMONSTRATIONS_VERSION } from '../../src/agent/demonstrations';
import { freshSeed, seededRandom } from '../support/random';

describe('Demonstrations', () => {
  it('records discrete pairs episode by episode into a row-major dataset (growing past its first capacity)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const demonstrations = new Demonstrations({ observationSize: 3, actionSpace: { kind: 'discrete', n: 5 } });
    const observations: number[][] = [];
    const actions: number[] = [];
    const lengths = [1, 300, 7];
    lengths.forEach((length, e) => {
      for (let t = 0; t < length; t += 1) {
        const o = [random() * 10 - 5, random(), -random()];
        const a = Math.floor(random() * 5);
        observations.push(o);
        actions.push(a);
        demonstrations.record(e === 1 ? Float64Array.from(o) : o, a);
      }
      demonstrations.endEpisode(e === 2 ? undefined : length * 2);
    });
    demonstrations.record([1, 2, 3], [4]); // an open episode: in the dataset, not in `episodes`
    observations.push([1, 2, 3]);
    actions.push(4);

    expect(demonstrations.size).toBe(309);
    expect(demonstrations.pendingSteps).toBe(1);
    expect(demonstrations.episodes).toEqual([
      { start: 0, length: 1, totalReturn: 2 },
      { start: 1, length: 300, totalReturn: 600 },
      { start: 301, length: 7 },
    ]);
    const dataset = demonstrations.toDataset();
    expect(dataset.observations).toBeInstanceOf(Float32Array);
    expect(dataset.actions).toBeInstanceOf(Uint32Array);
    expect(Array.from(dataset.observations), `seed ${seed}`).toEqual(observations.flat().map(Math.fround));
    expect(Array.from(dataset.actions)).toEqual(actions);
    // A copy: recording more does not change a dataset already handed out.
    demonstrations.record([0, 0, 0], 0);
    expect(dataset.actions.length).toBe(309);
  });

  it('records box actions as f32 [M][A]', () => {
    const demonstrations = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'box', size: 2, low: [-1, -1], high: [1, 1] } });
    demonstrations.record([0.5, -0.5], [0.25, -3]); // out of bounds is kept: the env clips
    demonstrations.record([1, 2], Float32Array.of(1, 2));
    demonstrations.endEpisode(-1.5);
    const { observations, actions } = demonstrations.toDataset();
    expect(actions).toBeInstanceOf(Float32Array);
    expect(Array.from(actions)).toEqual([0.25, -3, 1, 2]);
    expect(Array.from(observations)).toEqual([0.5, -0.5, 1, 2]);
    const single = new Demonstrations({ observationSize: 1, actionSpace: { kind: 'box', size: 1 } });
    single.record([0], 0.5);
    expect(Array.from(single.toDataset().actions)).toEqual([0.5]);
  });

  it('survives JSON.stringify → fromJSON exactly (f32 values, episodes, the open episode)', () => {
    const random = seededRandom(freshSeed());
    for (const actionSpace of [{ kind: 'discrete', n: 3 } as const, { kind: 'box', size: 2 } as const]) {
      const demonstrations = new Demonstrations({ observationSize: 4, actionSpace });
      for (let i = 0; i < 50; i += 1) {
        const o = Array.from({ length: 4 }, () => (random() - 0.5) * 1e3);
        demonstrations.record(o, actionSpace.kind === 'discrete' ? i % 3 : [random(), -random()]);
        if (i % 20 === 19) demonstrations.endEpisode(i);
      }
      const text = JSON.stringify(demonstrations);
      const restored = Demonstrations.fromJSON(text);
      expect(restored.size).toBe(50);
      expect(restored.pendingSteps).toBe(10);
      expect(restored.episodes).toEqual(demonstrations.episodes);
      expect(restored.actionSpace).toEqual(actionSpace);
      const [a, b] = [demonstrations.toDataset(), restored.toDataset()];
      expect(b.observations).toEqual(a.observations);
      expect(b.actions).toEqual(a.actions);
      expect(JSON.stringify(restored)).toBe(text);
      // fromJSON takes the object as well as the text.
      expect(Demonstrations.fromJSON(demonstrations.toJSON()).size).toBe(50);
    }
  });

  it('rejects bad pairs with the field, the value and what is valid, and keeps what it had', () => {
    const d = new Demonstrations({ observationSize: 3, actionSpace: { kind: 'discrete', n: 2 } });
    d.record([0, 0, 0], 1);
    expect(() => d.record([0, 0], 0)).toThrow(/record: observation.length must be 3 \(the observation size\) \(got 2\)/);
    expect(() => d.record([0, Number.NaN, 0], 0)).toThrow(/record: observation\[1\] must be a finite number \(got NaN\)/);
    expect(() => d.record([0, 0, 0], 2)).toThrow(/record: action must be an integer in \[0, 2\) \(got 2\)/);
    expect(() => d.record([0, 0, 0], 0.5)).toThrow(/record: action must be an integer in \[0, 2\) \(got 0.5\)/);
    expect(() => d.record([0, 0, 0], -1)).toThrow(/got -1/);
    expect(() => d.record([0, 0, 0], [0, 1])).toThrow(/record: action.length must be 1/);
    expect(() => d.record(null as never, 0)).toThrow(/record: observation must be an array of 3 numbers/);
    expect(() => d.endEpisode(Number.POSITIVE_INFINITY)).toThrow(/totalReturn must be a finite number or absent \(got Infinity\)/);
    expect(d.size).toBe(1);
    d.endEpisode();
    expect(() => d.endEpisode()).toThrow(/endEpisode with no step recorded/);
    const box = new Demonstrations({ observationSize: 1, actionSpace: { kind: 'box', size: 2 } });
    expect(() => box.record([0], [0])).toThrow(/record: action.length must be 2/);
    expect(() => box.record([0], [0, Number.NaN])).toThrow(/record: action\[1\] must be a finite number \(got NaN\)/);
    expect(() => box.record([0], [0, 1e39])).toThrow(/record: action\[1\] must be representable as f32/);
    expect(box.size).toBe(0);
    d.clear();
    expect([d.size, d.episodes.length, d.pendingSteps]).toEqual([0, 0, 0]);
  });

  it('rejects bad spaces and bad stored forms', () => {
    expect(() => new Demonstrations({ observationSize: 0, actionSpace: { kind: 'discrete', n: 2 } })).toThrow(/observationSize must be a positive integer \(got 0\)/);
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'discrete', n: 0 } })).toThrow(/actionSpace.n must be a positive integer \(got 0\)/);
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'box', size: 1.5 } })).toThrow(/actionSpace.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 1.5\)/);
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'box', size: 65 } })).toThrow(/actionSpace.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 65\)/);
    expect(new Demonstrations({ observationSize: 2, actionSpace: { kind: 'box', size: 64 } }).actionSize).toBe(64);
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multi' } as never })).toThrow(
      /actionSpace.kind must be 'discrete' \(with n\), 'multiDiscrete' \(with nvec\), 'box' \(with size\) or 'hybrid' \(with continuous and nvec\) \(got 'multi'\)/,
    );
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multiDiscrete', nvec: [] } })).toThrow(
      /demonstrations: actionSpace.nvec must be an array of 1 to 8 branch sizes \(got \[\]\)/,
    );
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multiDiscrete', nvec: [3, 0] } })).toThrow(
      /demonstrations: actionSpace.nvec\[1\] must be a positive integer \(got 0\)/,
    );
    expect(() => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multiDiscrete', nvec: [1000, 25] } })).toThrow(
      /actionSpace.nvec must sum to at most 1024 actions \(MAX_DISCRETE_ACTIONS; got 1025/,
    );
    expect(new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multiDiscrete', nvec: [1, 1, 1, 1, 1, 1, 1, 1] } }).actionSize).toBe(8);

    const d = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'discrete', n: 3 } });
    d.record([1, 2], 2);
    d.record([3, 4], 0);
    d.endEpisode(2);
    const good = d.toJSON();
    const bad = (patch: object) => () => Demonstrations.fromJSON({ ...good, ...patch } as never);
    expect(bad({})).not.toThrow();
    expect(bad({ format: 'other' })).toThrow(/json.format must be 'webgpu-rl.demonstrations' \(got 'other'\)/);
    expect(bad({ version: DEMONSTRATIONS_VERSION + 1 })).toThrow(new RegExp(`json.version must be .* \\(got ${DEMONSTRATIONS_VERSION + 1}\\)`));
    expect(bad({ observations: [1, 2, 3] })).toThrow(/json.observations must be an array whose length is a multiple of 2/);
    expect(bad({ actions: [2] })).toThrow(/json.actions must be an array of 2 numbers/);
    expect(bad({ actions: [2, 3] })).toThrow(/record: action must be an integer in \[0, 3\) \(got 3\)/);
    expect(bad({ episodes: [{ start: 1, length: 1 }] })).toThrow(/json.episodes\[0\].start must be 0/);
    expect(bad({ episodes: [{ start: 0, length: 3 }] })).toThrow(/json.episodes\[0\].length must be an integer in \[1, 2\] \(got 3\)/);
    expect(bad({ episodes: [{ start: 0, length: 2, totalReturn: 'x' }] })).toThrow(/json.episodes\[0\].totalReturn must be a finite number or absent/);
    expect(() => Demonstrations.fromJSON('null')).toThrow(/json must be an object/);
  });

  it('records multi-discrete pairs as u32 [M][K], round-trips them through JSON, and refuses bad ones', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const nvec = [3, 2, 5];
    const given = [...nvec];
    const d = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'multiDiscrete', nvec: given } });
    given[0] = 99; // the recorder keeps its own copy
    expect(d.actionSpace).toEqual({ kind: 'multiDiscrete', nvec });
    expect(d.actionSize).toBe(3);
    const actions: number[][] = [];
    for (let i = 0; i < 300; i += 1) {
      const a = nvec.map((n) => Math.floor(random() * n));
      actions.push(a);
      d.record([i, 1 - i], i % 2 === 0 ? a : Uint32Array.from(a));
      if (i % 100 === 99) d.endEpisode(i);
    }
    d.record([0.5, 0.25], [2, 1, 4]); // an open episode
    actions.push([2, 1, 4]);
    const dataset = d.toDataset();
    expect(dataset.actions).toBeInstanceOf(Uint32Array);
    expect(Array.from(dataset.actions), `seed ${seed}`).toEqual(actions.flat());

    const text = JSON.stringify(d);
    const restored = Demonstrations.fromJSON(text);
    expect(restored.actionSpace).toEqual({ kind: 'multiDiscrete', nvec });
    expect([restored.size, restored.pendingSteps, restored.episodes]).toEqual([301, 1, d.episodes]);
    expect(restored.toDataset().actions).toEqual(dataset.actions);
    expect(restored.toDataset().observations).toEqual(dataset.observations);
    expect(JSON.stringify(restored)).toBe(text);

    // Bad pairs name the field, the value and the valid range, and leave the recording as it was.
    expect(() => d.record([0, 0], [1, 1])).toThrow(/record: action.length must be 3 \(the action size\) \(got 2\)/);
    expect(() => d.record([0, 0], [1, 1, 0, 0])).toThrow(/record: action.length must be 3 \(the action size\) \(got 4\)/);
    expect(() => d.record([0, 0], 1)).toThrow(/record: action must be an array of 3 integers, one per branch of nvec \[3, 2, 5\] \(got 1\)/);
    expect(() => d.record([0, 0], [0, 2, 0])).toThrow(/record: action\[1\] must be an integer in \[0, 2\) \(branch 1 of nvec \[3, 2, 5\]\) \(got 2\)/);
    expect(() => d.record([0, 0], [0, 0, -1])).toThrow(/record: action\[2\] must be an integer in \[0, 5\) .*\(got -1\)/);
    expect(() => d.record([0, 0], [1.5, 0, 0])).toThrow(/record: action\[0\] must be an integer in \[0, 3\) .*\(got 1.5\)/);
    expect(() => d.record([0, 0], [0, Number.NaN, 0])).toThrow(/record: action\[1\] must be an integer in \[0, 2\) .*\(got NaN\)/);
    expect(d.size).toBe(301);

    // A stored form whose actions leave a branch's range is refused the same way.
    const json = d.toJSON();
    const bad = (patch: object) => () => Demonstrations.fromJSON({ ...json, ...patch } as never);
    expect(bad({ actions: json.actions.map((v, i) => (i === 4 ? 7 : v)) })).toThrow(/record: action\[1\] must be an integer in \[0, 2\) .*\(got 7\)/);
    expect(bad({ actions: json.actions.slice(1) })).toThrow(/json.actions must be an array of 903 numbers \(301 rows × 3\)/);
    expect(bad({ actionSpace: { kind: 'multiDiscrete', nvec: [3, 2.5, 5] } })).toThrow(/actionSpace.nvec\[1\] must be a positive integer \(got 2.5\)/);

    // One branch: a bare integer is one action, as for a discrete space.
    const single = new Demonstrations({ observationSize: 1, actionSpace: { kind: 'multiDiscrete', nvec: [4] } });
    single.record([0], 3);
    single.record([1], [2]);
    expect(Array.from(single.toDataset().actions)).toEqual([3, 2]);
    expect(() => single.record([0], 4)).toThrow(/record: action\[0\] must be an integer in \[0, 4\) .*\(got 4\)/);
  });

  it('records hybrid pairs as rows of D f32 then K u32 words, round-trips them through JSON, and reads them back apart', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const nvec = [3, 2];
    const given = [...nvec];
    const d = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 2, low: [-1, -1], high: [1, 1] }, nvec: given } });
    given[1] = 99; // the recorder keeps its own copy
    // Only the box's size is kept: the env clips to its bounds.
    expect(d.actionSpace).toEqual({ kind: 'hybrid', continuous: { kind: 'box', size: 2 }, nvec });
    expect(d.actionSize).toBe(4);
    const rows: { continuous: number[]; discrete: number[] }[] = [];
    for (let i = 0; i < 300; i += 1) {
      // Out of the box and tiny values too: kept as given (in f32), never clipped or flushed.
      const continuous = [(random() - 0.5) * 6, i === 7 ? 1e-40 : -random()];
      const discrete = nvec.map((n) => Math.floor(random() * n));
      rows.push({ continuous, discrete });
      d.record([i, 1 - i], i % 2 === 0 ? { continuous, discrete } : { continuous: Float32Array.from(continuous), discrete: Uint32Array.from(discrete) });
      if (i % 100 === 99) d.endEpisode(i / 10);
    }
    d.record([0.5, 0.25], { continuous: [0.125, -2], discrete: [2, 1] }); // an open episode
    rows.push({ continuous: [0.125, -2], discrete: [2, 1] });

    const dataset = d.toDataset();
    expect(dataset.actions).toBeInstanceOf(Uint32Array);
    expect(dataset.actions.length).toBe(301 * 4);
    // The rows the GPU reads: floats through an f32 view of the same memory, indices as u32.
    const floats = new Float32Array(dataset.actions.buffer, dataset.actions.byteOffset, dataset.actions.length);
    const continuousBack = rows.map((_, r) => [floats[4 * r]!, floats[4 * r + 1]!]);
    const discreteBack = rows.map((_, r) => [dataset.actions[4 * r + 2]!, dataset.actions[4 * r + 3]!]);
    expect(continuousBack, `seed ${seed}`).toEqual(rows.map((row) => row.continuous.map(Math.fround)));
    expect(discreteBack, `seed ${seed}`).toEqual(rows.map((row) => row.discrete));
    expect(floats[4 * 7 + 1], 'a subnormal f32 is kept').toBe(Math.fround(1e-40));

    // The stored form: each row's floats then its indices as plain numbers, the space saying which is which.
    const json = d.toJSON();
    expect(json.actionSpace).toEqual({ kind: 'hybrid', continuous: { kind: 'box', size: 2 }, nvec });
    expect(json.actions.slice(0, 4), `seed ${seed}`).toEqual([...rows[0]!.continuous.map(Math.fround), ...rows[0]!.discrete]);
    expect(json.actions.slice(-4)).toEqual([0.125, -2, 2, 1]);
    const text = JSON.stringify(d);
    const restored = Demonstrations.fromJSON(text);
    expect(restored.actionSpace).toEqual(d.actionSpace);
    expect([restored.size, restored.pendingSteps, restored.episodes]).toEqual([301, 1, d.episodes]);
    expect(restored.toDataset().actions, `seed ${seed}: the same words, f32 bits included`).toEqual(dataset.actions);
    expect(restored.toDataset().observations).toEqual(dataset.observations);
    expect(JSON.stringify(restored)).toBe(text);
    // A stored file of version 1 written before hybrid spaces (a discrete one) still reads.
    const old = { format: 'webgpu-rl.demonstrations', version: 1, observationSize: 1, actionSpace: { kind: 'discrete', n: 2 }, episodes: [{ start: 0, length: 2 }], observations: [0.5, 1], actions: [1, 0] };
    expect(Array.from(Demonstrations.fromJSON(JSON.stringify(old)).toDataset().actions)).toEqual([1, 0]);

    // One dim and one branch: each part may be a bare number.
    const single = new Demonstrations({ observationSize: 1, actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 1 }, nvec: [4] } });
    single.record([0], { continuous: 0.5, discrete: 3 });
    single.record([1], { continuous: [-0.25], discrete: [0] });
    const words = single.toDataset().actions;
    expect(Array.from(new Float32Array(words.buffer)).filter((_, i) => i % 2 === 0)).toEqual([0.5, -0.25]);
    expect(Array.from(words).filter((_, i) => i % 2 === 1)).toEqual([3, 0]);
    expect(single.toJSON().actions).toEqual([0.5, 3, -0.25, 0]);
  });

  it('refuses bad hybrid spaces, actions and stored rows, naming the field, the value and what is valid', () => {
    const hybrid = (continuous: unknown, nvec: unknown = [3, 2]) => () => new Demonstrations({ observationSize: 2, actionSpace: { kind: 'hybrid', continuous, nvec } as never });
    expect(hybrid(undefined)).toThrow(/actionSpace.continuous must be a box \{ kind: 'box', size \} \(the hybrid space's continuous dims\) \(got undefined\)/);
    expect(hybrid({ kind: 'discrete', n: 2 })).toThrow(/actionSpace.continuous must be a box .*\(got \{"kind":"discrete","n":2\}\)/);
    expect(hybrid({ kind: 'box', size: 0 })).toThrow(/actionSpace.continuous.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 0\)/);
    expect(hybrid({ kind: 'box', size: 2.5 })).toThrow(/actionSpace.continuous.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 2.5\)/);
    expect(hybrid({ kind: 'box', size: 65 })).toThrow(/actionSpace.continuous.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 65\)/);
    expect(hybrid({ kind: 'box', size: 1 }, [])).toThrow(/demonstrations: actionSpace.nvec must be an array of 1 to 8 branch sizes \(got \[\]\)/);
    expect(hybrid({ kind: 'box', size: 1 }, [3, 0])).toThrow(/demonstrations: actionSpace.nvec\[1\] must be a positive integer \(got 0\)/);
    expect(hybrid({ kind: 'box', size: 1 }, [1000, 25])).toThrow(/actionSpace.nvec must sum to at most 1024 actions/);
    // D + K words per action, at most MAX_ACTION_SIZE = 64: 62 + 2 fits, 63 + 2 does not.
    expect(new Demonstrations({ observationSize: 1, actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 62 }, nvec: [2, 2] } }).actionSize).toBe(64);
    expect(hybrid({ kind: 'box', size: 63 })).toThrow(
      /actionSpace.continuous.size \+ actionSpace.nvec.length must be at most 64 \(MAX_ACTION_SIZE: a hybrid action is one row of D \+ K words\) \(got 65\)/,
    );

    const d = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 2 }, nvec: [3, 2] } });
    d.record([0, 0], { continuous: [0.5, -0.5], discrete: [2, 1] });
    const record = (action: unknown) => () => d.record([0, 0], action as never);
    const form = /record: action must be a hybrid action \{ continuous: 2 numbers, discrete: 2 integers \(one per branch of nvec \[3, 2\]\) \}/;
    expect(record([0.5, -0.5, 2, 1])).toThrow(new RegExp(`${form.source} \\(got array of length 4\\)`));
    expect(record(0.5)).toThrow(new RegExp(`${form.source} \\(got 0.5\\)`));
    expect(record(null)).toThrow(new RegExp(`${form.source} \\(got null\\)`));
    expect(record({ continuous: [0, 0] })).toThrow(new RegExp(`${form.source} \\(got \\{"continuous":\\[0,0\\]\\}\\)`));
    expect(record({ continuous: [0], discrete: [0, 0] })).toThrow(/record: action.continuous.length must be 2 \(the continuous dims\) \(got 1\)/);
    expect(record({ continuous: 0.5, discrete: [0, 0] })).toThrow(/record: action.continuous must be an array of 2 numbers, the continuous dims \(got 0.5\)/);
    expect(record({ continuous: [0, Number.NaN], discrete: [0, 0] })).toThrow(/record: action.continuous\[1\] must be a finite number \(got NaN\)/);
    expect(record({ continuous: [Number.POSITIVE_INFINITY, 0], discrete: [0, 0] })).toThrow(/record: action.continuous\[0\] must be a finite number \(got Infinity\)/);
    expect(record({ continuous: [0, '1'], discrete: [0, 0] })).toThrow(/record: action.continuous\[1\] must be a finite number \(got '1'\)/);
    expect(record({ continuous: [1e39, 0], discrete: [0, 0] })).toThrow(/record: action.continuous\[0\] must be representable as f32 \(got 1e\+39\)/);
    expect(record({ continuous: [0, 0], discrete: [0] })).toThrow(/record: action.discrete.length must be 2 \(one per branch of nvec \[3, 2\]\) \(got 1\)/);
    expect(record({ continuous: [0, 0], discrete: Uint32Array.of(0, 0, 0) })).toThrow(/record: action.discrete.length must be 2 .*\(got 3\)/);
    expect(record({ continuous: [0, 0], discrete: 1 })).toThrow(/record: action.discrete must be an array of 2 integers, one per branch of nvec \[3, 2\] \(got 1\)/);
    expect(record({ continuous: [0, 0], discrete: [3, 0] })).toThrow(/record: action.discrete\[0\] must be an integer in \[0, 3\) \(branch 0 of nvec \[3, 2\]\) \(got 3\)/);
    expect(record({ continuous: [0, 0], discrete: [0, 2] })).toThrow(/record: action.discrete\[1\] must be an integer in \[0, 2\) \(branch 1 of nvec \[3, 2\]\) \(got 2\)/);
    expect(record({ continuous: [0, 0], discrete: [0, -1] })).toThrow(/record: action.discrete\[1\] must be an integer in \[0, 2\) .*\(got -1\)/);
    expect(record({ continuous: [0, 0], discrete: [0.5, 0] })).toThrow(/record: action.discrete\[0\] must be an integer in \[0, 3\) .*\(got 0.5\)/);
    // Nothing refused was written: the recording still holds its one pair.
    expect(d.size).toBe(1);
    expect(d.toJSON().actions).toEqual([0.5, -0.5, 2, 1]);

    // A stored form whose rows break the space is refused as record() refuses them.
    d.endEpisode();
    const json = d.toJSON();
    const bad = (patch: object) => () => Demonstrations.fromJSON({ ...json, ...patch } as never);
    expect(bad({})).not.toThrow();
    expect(bad({ actions: [0.5, -0.5, 2, 2] })).toThrow(/record: action.discrete\[1\] must be an integer in \[0, 2\) .*\(got 2\)/);
    expect(bad({ actions: [0.5, null, 2, 1] })).toThrow(/record: action.continuous\[1\] must be a finite number \(got null\)/);
    expect(bad({ actions: [0.5, -0.5, 2] })).toThrow(/json.actions must be an array of 4 numbers \(1 rows × 4\)/);
    expect(bad({ actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 2 }, nvec: [3, 2.5] } })).toThrow(/actionSpace.nvec\[1\] must be a positive integer \(got 2.5\)/);
    expect(bad({ actionSpace: { kind: 'hybrid', nvec: [3, 2] } })).toThrow(/actionSpace.continuous must be a box/);
  });
});
