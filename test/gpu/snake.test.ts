/**
 * Snake-v0 (shaders/envs/snake.wgsl) on a real device through the generic wrapper, against its
 * JavaScript twin (test/support/snake-host.ts) with the wrapper's draws replayed on the CPU:
 * whole runs through createHostVectorEnv from the same seed, every reset of 4 096 envs, hand-made
 * positions for each rule, and env_mask / env_metrics through a small kernel of this file (the
 * wrapper does not call them yet). Every value is a small integer, a dyadic reward or a quotient
 * of small integers, so the GPU and the twin agree to f32 rounding of one division (TOLERANCE).
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { snakeEnv } from '../../src/envs/builtin/snake';
import { createHostVectorEnv } from '../../src/envs/host-env';
import { createVectorEnv, type VectorEnv } from '../../src/envs/vector-env';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import envRngWgsl from '../../shaders/envs/env_rng.wgsl';
import envMathWgsl from '../../shaders/envs/env_math.wgsl';
import { envUniforms, resetUniforms } from '../reference/envs/env-rng';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import {
  APPLE,
  APPLES,
  boardSize,
  CELLS,
  HEAD_X,
  HEAD_Y,
  HEADING,
  LENGTH,
  SNAKE_DEFAULTS,
  SNAKE_METRIC_COUNT,
  SNAKE_OBS_SIZE as OBS,
  SNAKE_STATE_SIZE as STATE,
  SnakeBatch,
  SnakeHost,
  snakeMask,
  snakeMetrics,
  snakeObservation,
  snakeReset,
  snakeStep,
  WON,
  type SnakeParams,
} from '../support/snake-host';
import { expectAfter, snakeState, SNAKE_CASES, type SnakeCase } from '../support/snake-cases';
import { greedyAction, randomLegalAction } from '../support/snake-policies';

const TOLERANCE = 1e-6;

// env_mask and env_metrics of every state (the body's contract; the wrapper does not call them yet).
const MASK_METRICS_KERNEL = `override WORKGROUP_SIZE: u32 = 64u;
override COUNT: u32;
@group(0) @binding(0) var<storage, read> states: array<State>;
@group(0) @binding(1) var<storage, read_write> masks: array<u32>;
@group(0) @binding(2) var<storage, read_write> metrics: array<f32>;
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let n = flat_index(global_id, workgroups);
  if (n >= COUNT) {
    return;
  }
  let params = EnvParams(6u, 6u, 1.0, 1.0, 0.03125);
  let mask = env_mask(states[n], params);
  for (var i = 0u; i < MASK_SIZE; i += 1u) {
    masks[n * MASK_SIZE + i] = mask[i];
  }
  let values = env_metrics(states[n], params);
  for (var i = 0u; i < METRIC_COUNT; i += 1u) {
    metrics[n * METRIC_COUNT + i] = values[i];
  }
}`;

const replay = (values: number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew more uniforms than the test supplied');
    return values[i++]!;
  };
};

describe('Snake-v0 on the GPU', () => {
  const gpu = useGpu();

  /** Resets `envs` (step 0 of episode 0 everywhere). */
  function reset(envs: VectorEnv): void {
    const encoder = gpu().device.createCommandEncoder({ label: 'test.snake.reset' });
    envs.encodeReset(encoder);
    gpu().device.queue.submit([encoder.finish()]);
  }

  function step(envs: VectorEnv): void {
    const encoder = gpu().device.createCommandEncoder({ label: 'test.snake.step' });
    envs.encodeStep(encoder);
    gpu().device.queue.submit([encoder.finish()]);
  }

  it('the WGSL env and its JavaScript twin replay each other from one seed (7 envs × 1 200 steps, limit 30)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 7;
    const limit = 30;
    const twin = new SnakeHost(numEnvs, {}, limit);
    const gpuEnvs = await createVectorEnv(device, snakeEnv, { numEnvs, seed, maxEpisodeSteps: limit });
    const hostEnvs = await createHostVectorEnv(device, twin, { numEnvs, seed });
    const counts = { apples: 0, deaths: 0, truncations: 0, episodes: 0 };
    const applesThisEpisode = new Array<number>(numEnvs).fill(0);
    const wrong: string[] = [];
    const note = `seed ${seed}`;
    try {
      await gpuStep(gpu(), 'snake twin', async () => {
        reset(gpuEnvs);
        hostEnvs.reset();
        for (let t = 0; t < 1200 && wrong.length === 0; t += 1) {
          // Mostly greedy (long snakes, apples, the odd win), a tenth random legal moves, and one in
          // twenty any move at all: the mask forbids every move that dies, so deaths need those.
          const actions = Uint32Array.from({ length: numEnvs }, (_, n) => {
            const u = random();
            if (u < 0.05) return Math.floor(random() * 4);
            return u < 0.15 ? randomLegalAction(twin.row(n), twin.params, random) : greedyAction(twin.row(n), twin.params);
          });
          gpuEnvs.writeActions(actions);
          hostEnvs.writeActions(actions);
          step(gpuEnvs);
          await hostEnvs.step();
          const onGpu = await gpuEnvs.read();
          const onHost = hostEnvs.latest;
          for (let n = 0; n < numEnvs; n += 1) {
            const report = (what: string) => wrong.push(`env ${n}, step ${t}, action ${actions[n]}: ${what}`);
            for (const field of ['terminated', 'truncated', 'episodeLengths', 'stepCounts', 'episodeIndices'] as const) {
              if (onGpu[field][n] !== onHost[field][n]) report(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            for (const field of ['rewards', 'episodeReturns'] as const) {
              if (Math.abs(onGpu[field][n]! - onHost[field][n]!) > TOLERANCE) report(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            for (const field of ['observations', 'finalObservations'] as const) {
              for (let i = 0; i < OBS; i += 1) {
                const [a, b] = [onGpu[field][n * OBS + i]!, onHost[field][n * OBS + i]!];
                if (Math.abs(a - b) > TOLERANCE) report(`${field}[${i}] ${a} vs ${b}`);
              }
            }
            // The per-instance twin declares the mask and the metrics too: the adapter uploads them as the wrapper writes them.
            for (let i = 0; i < 4; i += 1) {
              if (onGpu.masks![n * 4 + i] !== onHost.masks![n * 4 + i]) report(`masks[${i}] ${onGpu.masks![n * 4 + i]} vs ${onHost.masks![n * 4 + i]}`);
            }
            for (let m = 0; m < SNAKE_METRIC_COUNT; m += 1) {
              const [a, b] = [onGpu.episodeMetrics![n * SNAKE_METRIC_COUNT + m], onHost.episodeMetrics![n * SNAKE_METRIC_COUNT + m]];
              if (a !== b) report(`episodeMetrics[${m}] ${a} vs ${b}`);
            }
            for (let i = 0; i < STATE; i += 1) {
              if (onGpu.states[n * STATE + i] !== twin.states[n * STATE + i]) report(`state[${i}] ${onGpu.states[n * STATE + i]} vs ${twin.states[n * STATE + i]}`);
            }
            const apple = onGpu.states[n * STATE + APPLE]!;
            if (onGpu.states[n * STATE + CELLS + apple] !== 0) report(`the apple is on body cell ${apple}`);
            if (onHost.rewards[n]! > 0.5) {
              counts.apples += 1;
              applesThisEpisode[n]! += 1;
            }
            if (onHost.terminated[n] || onHost.truncated[n]) {
              // The metrics of the state the episode ended in (the wrapper keeps it in nextStates).
              const metrics = [0, 0];
              snakeMetrics(onGpu.nextStates.subarray(n * STATE, (n + 1) * STATE), metrics);
              if (metrics[0] !== applesThisEpisode[n]) report(`metrics apples ${metrics[0]} vs ${applesThisEpisode[n]} eaten`);
              counts.episodes += 1;
              counts.deaths += onHost.terminated[n]! && metrics[1] === 0 ? 1 : 0;
              counts.truncations += onHost.truncated[n]!;
              applesThisEpisode[n] = 0;
            }
          }
        }
      });
      console.log(`[snake twin] ${JSON.stringify(counts)}`);
      expect(wrong.slice(0, 10), note).toEqual([]);
      // The run must exercise every kind of transition.
      expect(counts.apples, note).toBeGreaterThan(200);
      expect(counts.deaths, note).toBeGreaterThan(20);
      expect(counts.truncations, note).toBeGreaterThan(5);
    } finally {
      gpuEnvs.destroy();
      hostEnvs.destroy();
    }
  });

  it('through the wrapper, the WGSL env\'s masks and episode metrics equal the batched twin\'s (9 envs × 600 steps, limit 25)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 9;
    const gpuEnvs = await createVectorEnv(device, snakeEnv, { numEnvs, seed, maxEpisodeSteps: 25 });
    const hostEnvs = await createHostVectorEnv(device, new SnakeBatch(numEnvs, {}, 25), { numEnvs, seed });
    const note = `seed ${seed}`;
    let ended = 0;
    let forbidden = 0;
    try {
      reset(gpuEnvs);
      hostEnvs.reset();
      for (let t = 0; t < 600; t += 1) {
        const onGpu = await gpuEnvs.read();
        expect(Array.from(onGpu.masks!), `${note}, step ${t}: masks`).toEqual(Array.from(hostEnvs.latest.masks!));
        forbidden += onGpu.masks!.filter((m) => m === 0).length;
        // Mostly a uniformly random legal move; now and then any move (a death the mask would have prevented).
        const actions = Uint32Array.from({ length: numEnvs }, (_, n) => {
          const legal = [0, 1, 2, 3].filter((a) => onGpu.masks![4 * n + a] === 1);
          return random() < 0.05 ? Math.floor(random() * 4) : legal[Math.floor(random() * legal.length)]!;
        });
        gpuEnvs.writeActions(actions);
        hostEnvs.writeActions(actions);
        step(gpuEnvs);
        await hostEnvs.step();
        const after = await gpuEnvs.read();
        const host = hostEnvs.latest;
        expect(Array.from(after.episodeMetrics!), `${note}, step ${t}: episode metrics`).toEqual(Array.from(host.episodeMetrics!));
        expect(Array.from(after.terminated), `${note}, step ${t}`).toEqual(Array.from(host.terminated));
        expect(Array.from(after.truncated), `${note}, step ${t}`).toEqual(Array.from(host.truncated));
        for (let i = 0; i < numEnvs * OBS; i += 1) expect(Math.abs(after.observations[i]! - host.observations[i]!), `${note}, step ${t}`).toBeLessThanOrEqual(TOLERANCE);
        ended += after.terminated.reduce((s, v, n) => s + (v | after.truncated[n]!), 0);
      }
      expect(ended, note).toBeGreaterThan(50);
      expect(forbidden, `${note}: the masks forbid more than the neck`).toBeGreaterThan(600 * numEnvs * 1.2);
    } finally {
      gpuEnvs.destroy();
      hostEnvs.destroy();
    }
  });

  it('4 096 resets replay the twin exactly: a straight snake of 3 with room ahead, the apple on a free cell, every heading', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const numEnvs = 4096;
    const envs = await createVectorEnv(device, snakeEnv, { numEnvs, seed });
    try {
      const states = await gpuStep(gpu(), 'snake reset', async () => {
        reset(envs);
        return new Float32Array(await readBufferOnce(device, envs.buffers.states));
      });
      const { width, height } = boardSize(SNAKE_DEFAULTS);
      const headings = [0, 0, 0, 0];
      const appleCells = new Set<number>();
      const expected = new Float32Array(STATE);
      for (let n = 0; n < numEnvs; n += 1) {
        const row = states.subarray(n * STATE, (n + 1) * STATE);
        snakeReset(expected, SNAKE_DEFAULTS, replay(resetUniforms(seed, n, 0, 4)));
        expect(Array.from(row), `seed ${seed}: env ${n}`).toEqual(Array.from(expected));
        const heading = row[HEADING]!;
        headings[heading]! += 1;
        appleCells.add(row[APPLE]!);
        const cells = Array.from(row.subarray(CELLS, CELLS + width * height));
        expect(cells.filter((c) => c > 0).sort(), `seed ${seed}: env ${n}`).toEqual([1, 2, 3]);
        expect(row[CELLS + row[APPLE]!], `seed ${seed}: env ${n} apple`).toBe(0);
        // The cell ahead of the head is free and on the board.
        const obs = snakeObservation(row, SNAKE_DEFAULTS, new Float32Array(OBS));
        expect(obs[2 + heading], `seed ${seed}: env ${n} danger ahead`).toBe(0);
      }
      // Each heading 1/4 of the time (4 standard errors), and apples everywhere on the board.
      const standardError = Math.sqrt(numEnvs * 0.25 * 0.75);
      headings.forEach((count) => expect(Math.abs(count - numEnvs / 4), `seed ${seed}: ${headings}`).toBeLessThan(4 * standardError));
      expect(appleCells.size, `seed ${seed}`).toBe(width * height);
    } finally {
      envs.destroy();
    }
  });
  it.each([6, 4])('hand-worked positions on the board %i cells wide step as the rules say, and as the twin steps them', async (side) => {
    const { device } = gpu();
    const seed = freshSeed();
    const cases = SNAKE_CASES.filter((c) => c.params.board_width === side);
    const params = cases[0]!.params;
    const numEnvs = cases.length;
    const envs = await createVectorEnv(device, snakeEnv, { numEnvs, seed, params: { ...params } });
    try {
      const states = new Float32Array(numEnvs * STATE);
      cases.forEach((c, n) => states.set(snakeState(c.before, side), n * STATE));
      const out = await gpuStep(gpu(), 'snake hand cases', async () => {
        reset(envs); // step 0 of episode 0: the step draws envUniforms(seed, n, 0, 0, 1)
        envs.writeStates(states);
        envs.writeActions(Uint32Array.from(cases, (c) => c.action));
        step(envs);
        return envs.read();
      });
      cases.forEach((c: SnakeCase, n) => {
        const note = `seed ${seed}: ${c.name}`;
        const next = out.nextStates.subarray(n * STATE, (n + 1) * STATE);
        expect([out.rewards[n], out.terminated[n]], note).toEqual([c.reward, Number(c.terminated)]);
        expectAfter(c, next, note);
        const twin = snakeState(c.before, side);
        snakeStep(twin, c.action, params, replay(envUniforms(seed, n, 0, 0, 1)));
        expect(Array.from(next), `${note} (twin)`).toEqual(Array.from(twin));
        const observation = snakeObservation(twin, params, new Float32Array(OBS));
        observation.forEach((v, i) => expect(Math.abs(out.finalObservations[n * OBS + i]! - v), `${note}: observation[${i}]`).toBeLessThanOrEqual(TOLERANCE));
      });
    } finally {
      envs.destroy();
    }
  });

  it('env_mask and env_metrics agree with the twin on 2 000 states of play and a won board', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const host = new SnakeHost(1);
    const corpus: Float32Array[] = [];
    host.reset(0, random);
    while (corpus.length < 2000) {
      const state = host.row(0);
      corpus.push(state.slice());
      const action = random() < 0.5 ? randomLegalAction(state, host.params, random) : greedyAction(state, host.params);
      if (host.step(0, action, random).terminated) {
        corpus.push(state.slice());
        host.reset(0, random);
      }
    }
    const won = SNAKE_CASES.find((c) => c.after.won)!;
    const wonState = snakeState({ ...won.after, apple: -1 }, 4);
    corpus.push(wonState);
    const count = corpus.length;
    const kernel = await createKernel(device, {
      label: 'test.snake.mask_metrics',
      parts: [dispatchWgsl, philoxWgsl, envRngWgsl, envMathWgsl, snakeEnv.body, { name: 'test.snake.mask_metrics.wgsl', code: MASK_METRICS_KERNEL }],
      workgroupSize: 64,
      constants: { COUNT: count },
    });
    const set = new BufferSet(device, 'test.snake', {
      states: { size: 4 * STATE * count },
      masks: { size: 4 * 4 * count },
      metrics: { size: 4 * SNAKE_METRIC_COUNT * count },
    });
    try {
      const states = new Float32Array(STATE * count);
      corpus.forEach((state, n) => states.set(state, n * STATE));
      const [masks, metrics] = await gpuStep(gpu(), 'snake mask and metrics', async () => {
        device.queue.writeBuffer(set.buffers.states, 0, states);
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        kernel.dispatch(pass, kernel.bind(set.buffers), count);
        pass.end();
        device.queue.submit([encoder.finish()]);
        return [new Uint32Array(await readBufferOnce(device, set.buffers.masks)), new Float32Array(await readBufferOnce(device, set.buffers.metrics))];
      });
      const expectedMasks = new Uint32Array(4 * count);
      const expectedMetrics = new Float32Array(SNAKE_METRIC_COUNT * count);
      corpus.forEach((state, n) => {
        snakeMask(state, SNAKE_DEFAULTS, expectedMasks, 4 * n);
        snakeMetrics(state, expectedMetrics, SNAKE_METRIC_COUNT * n);
      });
      expect(Array.from(masks), `seed ${seed}`).toEqual(Array.from(expectedMasks));
      expect(Array.from(metrics), `seed ${seed}`).toEqual(Array.from(expectedMetrics));
      // Every heading's mask occurs, and some states have eaten apples: the comparison is not vacuous.
      expect(new Set(corpus.map((state) => state[HEADING])).size, `seed ${seed}`).toBe(4);
      expect(Math.max(...corpus.map((state) => state[APPLES]!)), `seed ${seed}`).toBeGreaterThan(3);
      expect(Array.from(metrics.subarray(-2)), 'the won board').toEqual([13, 1]);
    } finally {
      set.destroy();
    }
  });
});
