/**
 * The NaN guard (src/train/nan-guard.ts) against a plain CPU model of its rule, over a scripted run
 * of 5 checks at odd sizes (P = 4 099, three chunks with a ragged last one, and P = 5; G = 1 and
 * 3) with one extra state buffer of 7 words per agent. Each check writes fresh random parameters,
 * state and statistics; the script poisons, per (check, agent): a parameter (NaN or ±Inf, at a
 * random index, ±Inf at the last word), a required statistic (NaN), a statistic that may be NaN
 * (±Inf: poisons; NaN: does not), or nonfinite_terms > 0. Asserted after every check: the report's
 * guard words (the report is poisoned with NaN bits before each check: the guard must write its 3
 * words and touch no other), the snapshot (the last healthy check's values, bit for bit, or the
 * initial ones), and at the end the restore and the NonFiniteError.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createBufferWithData, readBufferOnce } from '../../src/gpu/index';
import { STATISTICS, STATISTICS_WORDS, type StatisticName } from '../../src/losses/statistics';
import {
  ALWAYS_FINITE_STATISTICS,
  createNanGuard,
  decodeNanGuard,
  NonFiniteError,
  nonFiniteError,
  PARAMETERS_BIT,
  requiredStatistics,
  statisticsMask,
} from '../../src/train/nan-guard';
import { createOptimizer } from '../../src/nn/optimizer';
import { AGENT_STATE_WORDS } from '../../src/nn/optimizer-kernels';
import { GUARD_STATUS_WORD, REPORT_WORDS } from '../../src/train/report';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const NAN_BITS = 0x7fc00000;
const STATE_WORDS = 7;
const CHECKS = 5;

type Poison = 'none' | 'parameter-nan' | 'parameter-inf' | 'required-nan' | 'optional-inf' | 'optional-nan' | 'loss-terms';

/**
 * What each check does to each agent, per configuration: every kind of poison is the first one of
 * some agent (parameter NaN: in the last test), and NaN where it may be NaN is seen as healthy.
 */
const SCRIPTS: Readonly<Record<number, readonly (readonly Poison[])[]>> = {
  3: [
    ['none', 'optional-nan', 'none'],
    ['parameter-inf', 'none', 'optional-nan'],
    ['none', 'required-nan', 'none'],
    ['none', 'none', 'loss-terms'],
    ['optional-inf', 'parameter-nan', 'none'],
  ],
  1: [['none'], ['optional-nan'], ['optional-inf'], ['parameter-nan'], ['none']],
};

// The guard's required statistics in this test: PPO's (value loss, entropy, gradient norm).
const REQUIRED = requiredStatistics({ valueLoss: true, entropy: true, gradNorm: true });
// Statistics where NaN means "does not apply" for this algorithm.
const OPTIONAL: StatisticName[] = ['explained_variance', 'beta', 'episodic_return', 'episodic_length'];

/** CPU model: the poison mask of one agent's parameters and statistics record. */
function referenceMask(parameters: Float32Array, statistics: Float32Array, required: readonly StatisticName[]): number {
  let mask = 0;
  if (parameters.some((v) => !Number.isFinite(v))) mask |= 1 << PARAMETERS_BIT;
  const requiredWords = new Set<number>(required.map((n) => STATISTICS[n]));
  statistics.forEach((v, s) => {
    const infinite = v === Infinity || v === -Infinity;
    if ((Number.isNaN(v) && requiredWords.has(s)) || infinite || (s === STATISTICS.nonfinite_terms && v > 0)) mask |= 1 << s;
  });
  return mask >>> 0;
}

describe('NaN guard', () => {
  const gpu = useGpu();

  for (const [P, G] of [
    [4099, 3],
    [5, 1],
  ] as const) {
    it(`keeps the last good snapshot and reports the first poisoned check (P = ${P}, G = ${G})`, async () => {
      const seed = freshSeed();
      const random = seededRandom(seed);
      const signed = () => 2 * random() - 1;
      const { device } = gpu();
      const guard = await createNanGuard(device, { agents: G, parametersPerAgent: P, statistics: REQUIRED, state: { adam: STATE_WORDS }, label: 'test.guard' });
      const set = new BufferSet(device, 'test.guard-inputs', {
        parameters: { size: 4 * G * P },
        adam: { size: 4 * G * STATE_WORDS },
        statistics: { size: 4 * G * STATISTICS_WORDS },
        report: { size: 4 * G * REPORT_WORDS },
      });
      const b = set.buffers;
      const inputs = { parameters: b.parameters, statistics: b.statistics, report: b.report, state: { adam: b.adam } };
      try {
        const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * signed());
        // Initial state and snapshot.
        let parameters = fill(G * P, 1);
        let adam = fill(G * STATE_WORDS, 1e-3);
        device.queue.writeBuffer(b.parameters, 0, parameters);
        device.queue.writeBuffer(b.adam, 0, adam);
        await gpuStep(gpu(), 'initialise', () => {
          const encoder = device.createCommandEncoder();
          guard.encodeInitialise(encoder, { parameters: b.parameters, state: { adam: b.adam } });
          device.queue.submit([encoder.finish()]);
        });
        const expected = Array.from({ length: G }, (_, g) => ({
          mask: 0,
          iteration: 0,
          snapshotIteration: -1,
          parameters: parameters.slice(g * P, (g + 1) * P),
          adam: adam.slice(g * STATE_WORDS, (g + 1) * STATE_WORDS),
        }));

        for (let check = 0; check < CHECKS; check += 1) {
          parameters = fill(G * P, 1);
          adam = fill(G * STATE_WORDS, 1e-3);
          const statistics = fill(G * STATISTICS_WORDS, 2);
          for (let g = 0; g < G; g += 1) {
            const record = statistics.subarray(g * STATISTICS_WORDS, (g + 1) * STATISTICS_WORDS);
            record[STATISTICS.nonfinite_terms] = 0;
            record[STATISTICS.episode_count] = Math.floor(10 * random());
            for (const name of OPTIONAL) if (random() < 0.5) record[STATISTICS[name]] = Number.NaN;
            const poison = SCRIPTS[G]![check]![g]!;
            const pick = <X>(list: readonly X[]) => list[Math.floor(random() * list.length)]!;
            const sign = random() < 0.5 ? -1 : 1;
            if (poison === 'parameter-nan' || poison === 'parameter-inf') {
              // ±Inf at the agent's last word (the ragged end of its last chunk), NaN anywhere.
              const index = poison === 'parameter-inf' ? P - 1 : Math.floor(random() * P);
              parameters[g * P + index] = poison === 'parameter-nan' ? Number.NaN : sign * Infinity;
            } else if (poison === 'required-nan') record[STATISTICS[pick(REQUIRED)]] = Number.NaN;
            else if (poison === 'optional-inf') record[STATISTICS[pick(OPTIONAL)]] = sign * Infinity;
            else if (poison === 'optional-nan') for (const name of OPTIONAL) record[STATISTICS[name]] = Number.NaN;
            else if (poison === 'loss-terms') record[STATISTICS.nonfinite_terms] = 1 + Math.floor(5 * random());
          }
          device.queue.writeBuffer(b.parameters, 0, parameters);
          device.queue.writeBuffer(b.adam, 0, adam);
          device.queue.writeBuffer(b.statistics, 0, statistics);
          device.queue.writeBuffer(b.report, 0, new Uint32Array(G * REPORT_WORDS).fill(NAN_BITS));
          await gpuStep(gpu(), `check ${check}`, () => {
            const encoder = device.createCommandEncoder();
            guard.encodeCheck(encoder, inputs);
            device.queue.submit([encoder.finish()]);
          });

          // Reference: the first poisoned check sticks; a healthy one moves the snapshot.
          for (let g = 0; g < G; g += 1) {
            const e = expected[g]!;
            if (e.mask !== 0) continue;
            const mask = referenceMask(parameters.subarray(g * P, (g + 1) * P), statistics.subarray(g * STATISTICS_WORDS, (g + 1) * STATISTICS_WORDS), REQUIRED);
            if (mask !== 0) Object.assign(e, { mask, iteration: check });
            else Object.assign(e, { snapshotIteration: check, parameters: parameters.slice(g * P, (g + 1) * P), adam: adam.slice(g * STATE_WORDS, (g + 1) * STATE_WORDS) });
          }

          const report = await readBufferOnce(device, b.report);
          const words = new Uint32Array(report);
          const statuses = decodeNanGuard(report, G);
          for (let g = 0; g < G; g += 1) {
            const e = expected[g]!;
            const what = `seed ${seed}, check ${check}, agent ${g}`;
            expect(words[g * REPORT_WORDS + GUARD_STATUS_WORD], what).toBe(e.mask);
            expect(statuses[g]!.poisoned, what).toBe(e.mask !== 0);
            expect(statuses[g]!.snapshotIteration, what).toBe(e.snapshotIteration);
            if (e.mask !== 0) expect(statuses[g]!.iteration, what).toBe(e.iteration);
            // Only the guard's 3 words are written.
            const untouched = [...words.subarray(g * REPORT_WORDS, (g + 1) * REPORT_WORDS)].filter((_, k) => k < GUARD_STATUS_WORD || k >= GUARD_STATUS_WORD + 3);
            expect(untouched.every((w) => w === NAN_BITS), what).toBe(true);
          }
          const snapshot = new Float32Array(await readBufferOnce(device, guard.buffers.snapshot));
          const adamSnapshot = new Float32Array(await readBufferOnce(device, guard.buffers.stateSnapshots.adam!));
          for (let g = 0; g < G; g += 1) {
            const what = `seed ${seed}, check ${check}, agent ${g}`;
            expect(snapshot.subarray(g * P, (g + 1) * P), what).toEqual(expected[g]!.parameters);
            expect(adamSnapshot.subarray(g * STATE_WORDS, (g + 1) * STATE_WORDS), what).toEqual(expected[g]!.adam);
          }
        }

        // The script poisons every agent; the error names the earliest poisoned check.
        expect(expected.every((e) => e.mask !== 0)).toBe(true);
        const report = await readBufferOnce(device, b.report);
        const error = nonFiniteError(report, G, { restored: true });
        expect(error).toBeInstanceOf(NonFiniteError);
        const first = expected.reduce((best, e, g) => (e.iteration < expected[best]!.iteration ? g : best), 0);
        expect(error!.iteration).toBe(expected[first]!.iteration);
        expect(error!.agent).toBe(first);
        expect(error!.message).toContain(`training stopped at iteration ${expected[first]!.iteration}: `);
        expect(error!.message).toContain(`agent ${first}`);
        // G = 3: agent 0 is first, by ±Inf in a parameter; G = 1: by ±Inf in a statistic.
        expect(error!.message).toMatch(G === 3 ? /: parameters are not finite \(agent 0\); parameters restored to the last good snapshot \(after iteration 0\)$/ : /: \w+ is not finite \(agent 0(; also [\w, ]+)?\); parameters restored to the last good snapshot \(after iteration 1\)$/);
        expect(new NonFiniteError(4, 'nonfinite_terms', ['nonfinite_terms'], 1, 3, false).message).toBe(
          'training stopped at iteration 4: loss terms were NaN or ±Inf (nonfinite_terms > 0) (agent 1); parameters can be restored to the last good snapshot (after iteration 3)',
        );

        // Restore: garbage in the live buffers, then every agent's last good state.
        device.queue.writeBuffer(b.parameters, 0, new Uint32Array(G * P).fill(NAN_BITS));
        device.queue.writeBuffer(b.adam, 0, new Uint32Array(G * STATE_WORDS).fill(NAN_BITS));
        await gpuStep(gpu(), 'restore', () => {
          const encoder = device.createCommandEncoder();
          guard.encodeRestore(encoder, { parameters: b.parameters, state: { adam: b.adam } });
          device.queue.submit([encoder.finish()]);
        });
        const restored = new Float32Array(await readBufferOnce(device, b.parameters));
        const restoredAdam = new Float32Array(await readBufferOnce(device, b.adam));
        for (let g = 0; g < G; g += 1) {
          expect(restored.subarray(g * P, (g + 1) * P)).toEqual(expected[g]!.parameters);
          expect(restoredAdam.subarray(g * STATE_WORDS, (g + 1) * STATE_WORDS)).toEqual(expected[g]!.adam);
        }
      } finally {
        guard.destroy();
        set.destroy();
      }
    });
  }

  it('poisoned at the first check: the snapshot is the initial state', async () => {
    const { device } = gpu();
    const guard = await createNanGuard(device, { agents: 1, parametersPerAgent: 3, label: 'test.guard-first' });
    const initial = new Float32Array([1, 2, 3]);
    const parameters = createBufferWithData(device, 'test.parameters', initial);
    const statistics = createBufferWithData(device, 'test.statistics', new Float32Array(STATISTICS_WORDS));
    const report = createBufferWithData(device, 'test.report', new Uint32Array(REPORT_WORDS));
    try {
      const encoder = device.createCommandEncoder();
      guard.encodeInitialise(encoder, { parameters });
      device.queue.submit([encoder.finish()]);
      device.queue.writeBuffer(parameters, 0, new Float32Array([1, Number.NaN, 3]));
      const poisoned = new Float32Array(STATISTICS_WORDS);
      poisoned[STATISTICS.approx_kl] = Number.NaN;
      device.queue.writeBuffer(statistics, 0, poisoned);
      await gpuStep(gpu(), 'check', () => {
        const e = device.createCommandEncoder();
        guard.encodeCheck(e, { parameters, statistics, report });
        device.queue.submit([e.finish()]);
      });
      const bytes = await readBufferOnce(device, report);
      const [status] = decodeNanGuard(bytes, 1);
      expect(status).toEqual({ poisoned: true, nonFinite: ['approx_kl', 'parameters'], iteration: 0, snapshotIteration: -1 });
      // The trainer's side: restore (and what must follow it), then the error.
      const copy = createBufferWithData(device, 'test.copy', new Float32Array(3));
      try {
        const error = await gpuStep(gpu(), 'throwIfPoisoned', () =>
          guard.throwIfPoisoned(bytes, { parameters }, (encoder) => encoder.copyBufferToBuffer(parameters, 0, copy, 0, 12)).then(
            () => expect.fail('no error'),
            (e: unknown) => e as NonFiniteError,
          ),
        );
        expect(error).toBeInstanceOf(NonFiniteError);
        expect(error.statistic).toBe('approx_kl');
        expect(error.message).toBe(
          'training stopped at iteration 0: approx_kl is not finite (agent 0; also parameters); parameters restored to the initial parameters',
        );
        expect(new Float32Array(await readBufferOnce(device, parameters))).toEqual(initial);
        expect(new Float32Array(await readBufferOnce(device, copy))).toEqual(initial);
      } finally {
        copy.destroy();
      }
      // A healthy report: nothing happens.
      await guard.throwIfPoisoned(new ArrayBuffer(4 * REPORT_WORDS), { parameters });
    } finally {
      guard.destroy();
      for (const buffer of [parameters, statistics, report]) buffer.destroy();
    }
  });

  it('with the real Adam: a NaN gradient of one agent rolls back its parameters, moments and step count only', async () => {
    const { device } = gpu();
    const G = 3;
    const P = 37;
    const random = seededRandom(freshSeed());
    const vector = (n: number): Float32Array<ArrayBuffer> => new Float32Array(Array.from({ length: n }, () => 2 * random() - 1));
    const optimizer = await createOptimizer(device, { kind: 'adam', agents: G, parametersPerAgent: P, learningRate: 1e-2, maxGradNorm: 0.5 });
    const o = optimizer.buffers;
    const state = { firstMoment: P, secondMoment: P, agentState: AGENT_STATE_WORDS };
    const guard = await createNanGuard(device, { agents: G, parametersPerAgent: P, state, label: 'test.guard-adam' });
    const parameters = createBufferWithData(device, 'test.parameters', vector(G * P));
    const gradients = createBufferWithData(device, 'test.gradients', vector(G * P));
    const statistics = createBufferWithData(device, 'test.statistics', new Float32Array(G * STATISTICS_WORDS));
    const report = createBufferWithData(device, 'test.report', new Uint32Array(G * REPORT_WORDS));
    const live = { parameters, state: { firstMoment: o.firstMoment!, secondMoment: o.secondMoment!, agentState: o.agentState } };
    const read = async () =>
      Promise.all([parameters, o.firstMoment!, o.secondMoment!, o.agentState].map(async (buffer) => new Uint32Array(await readBufferOnce(device, buffer))));
    const iteration = (grads: Float32Array<ArrayBuffer>) =>
      gpuStep(gpu(), 'iteration', () => {
        device.queue.writeBuffer(gradients, 0, grads);
        const encoder = device.createCommandEncoder();
        optimizer.encodeStep(encoder, { parameters, gradients });
        guard.encodeCheck(encoder, { parameters, statistics, report, state: live.state });
        device.queue.submit([encoder.finish()]);
      });
    try {
      await gpuStep(gpu(), 'initialise', () => {
        const encoder = device.createCommandEncoder();
        guard.encodeInitialise(encoder, live);
        device.queue.submit([encoder.finish()]);
      });
      await iteration(vector(G * P));
      const afterFirst = await read();
      const poisoned = vector(G * P);
      poisoned[P + 17] = Number.NaN;
      await iteration(poisoned);
      const afterSecond = await read();
      // Agent 1's parameter went NaN through the clipped Adam step; the others moved on.
      expect(Number.isNaN(new Float32Array(afterSecond[0]!.buffer)[P + 17]!)).toBe(true);
      expect(decodeNanGuard(await readBufferOnce(device, report), G).map((s) => [s.poisoned, s.iteration, s.snapshotIteration])).toEqual([
        [false, Number.NaN, 1],
        [true, 1, 0],
        [false, Number.NaN, 1],
      ]);
      await gpuStep(gpu(), 'restore', () => {
        const encoder = device.createCommandEncoder();
        guard.encodeRestore(encoder, live);
        device.queue.submit([encoder.finish()]);
      });
      const restored = await read();
      const words = [P, P, P, AGENT_STATE_WORDS];
      restored.forEach((buffer, k) => {
        for (let g = 0; g < G; g += 1) {
          const from = g * words[k]!;
          const expected = (g === 1 ? afterFirst : afterSecond)[k]!.subarray(from, from + words[k]!);
          expect(buffer.subarray(from, from + words[k]!), `buffer ${k}, agent ${g}`).toEqual(expected);
        }
      });
    } finally {
      guard.destroy();
      optimizer.destroy();
      for (const buffer of [parameters, gradients, statistics, report]) buffer.destroy();
    }
  });

  it('rejects a bad config before any GPU work', async () => {
    const { device } = gpu();
    await expect(createNanGuard(device, { agents: 0, parametersPerAgent: 3 })).rejects.toThrow('nan-guard.agents must be a positive integer (got 0)');
    await expect(createNanGuard(device, { agents: 1, parametersPerAgent: 2.5 })).rejects.toThrow('nan-guard.parametersPerAgent must be a positive integer (got 2.5)');
    await expect(createNanGuard(device, { agents: 1, parametersPerAgent: 3, statisticsWords: 17 })).rejects.toThrow(/statisticsWords must be at most 16/);
    expect(() => statisticsMask(['loss' as StatisticName])).toThrow("nan guard: unknown statistic 'loss'");
    expect(statisticsMask(ALWAYS_FINITE_STATISTICS)).toBe(0b1_1000_0011_1001);
  });
});
