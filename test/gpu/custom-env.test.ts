/**
 * Custom WGSL envs through the generic wrapper: a 1-D random walk (discrete, random steps, random
 * resets) replayed exactly on the CPU from the env RNG reference; a 2-D continuous env whose
 * actions the wrapper clips per dimension; compile errors located in the user's own lines; bodies
 * missing required declarations rejected before compiling; registration by id and alias.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ShaderCompileError } from '../../src/gpu/index';
import {
  createVectorEnv,
  customEnv,
  EnvContractError,
  lookupEnv,
  registerCustomEnv,
  unregisterEnv,
  type CustomEnvOptions,
} from '../../src/envs/index';
import { envUniforms, resetUniforms, uniformRangeF32 } from '../reference/envs/env-rng';
import { freshSeed, seededRandom } from '../support/random';
import { gpuStep, useGpu } from '../support/gpu';
import { poisonStepOutputs, reset, row, step, unwrittenStepOutputs } from '../support/vector-env';
import { RANDOM_WALK, RANDOM_WALK_WGSL } from '../support/random-walk-env';

/** A point in the plane moved by a 2-D action, clipped to [−1, 1] × [−0.5, 2]; never terminates. */
const PLANE: CustomEnvOptions = {
  id: 'Plane-v0',
  wgsl: `const OBS_SIZE: u32 = 2u;
const STATE_SIZE: u32 = 2u;
const ACTION_SIZE: u32 = 2u;
struct EnvParams { scale: f32 }
struct State { x: f32, y: f32 }
alias EnvAction = array<f32, ACTION_SIZE>;
struct EnvStep { state: State, reward: f32, terminated: bool }
fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State { return State(0.0, 0.0); }
fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let next = State(state.x + params.scale * action[0], state.y + params.scale * action[1]);
  return EnvStep(next, -(next.x * next.x + next.y * next.y), false);
}
fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> { return array<f32, OBS_SIZE>(state.x, state.y); }
`,
  observationSize: 2,
  actionSpace: { kind: 'box', size: 2, low: [-1, -0.5], high: [1, 2] },
  stateNames: ['x', 'y'],
  params: { scale: 1 },
  maxEpisodeSteps: 1000,
};

describe('custom WGSL envs', () => {
  const gpu = useGpu();
  afterEach(() => {
    unregisterEnv('RandomWalk-v0');
  });

  it('steps a registered random walk exactly as its CPU replay (step noise, resets, termination, truncation)', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const descriptor = registerCustomEnv({ ...RANDOM_WALK, aliases: ['walk'] });
    expect(lookupEnv('walk')).toBe(descriptor);
    expect(lookupEnv('randomwalk-v0')).toBe(descriptor);
    const numEnvs = 37;
    const env = await createVectorEnv(gpu().device, 'walk', { numEnvs, seed });
    try {
      await reset(gpu(), env);
      const { step_size, noise, edge } = RANDOM_WALK.params as Record<string, number>;
      // The CPU replay: f32 arithmetic in the order the WGSL writes it, randomness from the reference.
      const f = Math.fround;
      const episode = new Array<number>(numEnvs).fill(0);
      const length = new Array<number>(numEnvs).fill(0);
      const ret = new Array<number>(numEnvs).fill(0);
      let position = Array.from({ length: numEnvs }, (_, n) => uniformRangeF32(-0.5, 0.5, resetUniforms(seed, n, 0, 1)[0]!));
      let ended = 0;
      let truncations = 0;
      for (let t = 0; t < 40; t += 1) {
        const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
        env.writeActions(actions);
        poisonStepOutputs(gpu(), env);
        await step(gpu(), env);
        const out = await env.read();
        expect(Object.values(unwrittenStepOutputs(out)).every((c) => c === 0), `seed ${seed}: unwritten outputs`).toBe(true);
        const context = (n: number) => `seed ${seed}, env ${n}, t ${t}`;
        for (let n = 0; n < numEnvs; n += 1) {
          const u = envUniforms(seed, n, length[n]!, episode[n]!, 1)[0]!;
          const next = f(f(position[n]! + f(f(actions[n]! - 1) * f(step_size!))) + uniformRangeF32(-noise!, noise!, u));
          const terminated = Math.abs(next) > edge!;
          length[n] = length[n]! + 1;
          ret[n] = f(ret[n]! + -Math.abs(next));
          const truncated = length[n]! >= RANDOM_WALK.maxEpisodeSteps;
          expect(Math.abs(out.nextStates[n]! - next), context(n)).toBeLessThanOrEqual(2e-7);
          expect(out.rewards[n], context(n)).toBeCloseTo(-Math.abs(next), 6);
          expect([out.terminated[n], out.truncated[n]], context(n)).toEqual([terminated ? 1 : 0, truncated ? 1 : 0]);
          if (terminated || truncated) {
            ended += 1;
            if (truncated && !terminated) truncations += 1;
            expect(out.episodeLengths[n], context(n)).toBe(length[n]);
            expect(out.episodeReturns[n]!, context(n)).toBeCloseTo(ret[n]!, 4);
            episode[n] = episode[n]! + 1;
            length[n] = 0;
            ret[n] = 0;
            position[n] = uniformRangeF32(-0.5, 0.5, resetUniforms(seed, n, episode[n]!, 1)[0]!);
            expect(Math.abs(out.states[n]! - position[n]!), `${context(n)}: reset state`).toBeLessThanOrEqual(1e-7);
          } else {
            expect(out.episodeLengths[n]).toBe(0);
            position[n] = out.nextStates[n]!; // follow the GPU's f32 value exactly
          }
          expect(out.stepCounts[n], context(n)).toBe(length[n]);
          expect(out.episodeIndices[n], context(n)).toBe(episode[n]);
          expect(out.finalObservations[n], context(n)).toBe(out.nextStates[n]);
          expect(out.observations[n], context(n)).toBe(out.states[n]);
        }
      }
      expect(ended, `seed ${seed}: episodes ended`).toBeGreaterThan(numEnvs);
      expect(truncations, `seed ${seed}: truncations`).toBeGreaterThan(0);
    } finally {
      env.destroy();
    }
  });

  it('clips continuous actions to the box per dimension, and refuses non-finite actions written by a kernel', async () => {
    const env = await createVectorEnv(gpu().device, customEnv(PLANE), { numEnvs: 4, seed: 1 });
    try {
      await reset(gpu(), env);
      env.writeActions(Float32Array.of(0.5, 0.25, -7, 9, 3, -3, -1, 2));
      await step(gpu(), env);
      const out = await env.read();
      expect([...out.nextStates]).toEqual([0.5, 0.25, -1, 2, 1, -0.5, -1, 2]);
      expect(() => env.writeActions(Float32Array.of(0, 0, Number.NaN, 0, 0, 0, 0, 0))).toThrow(
        /action of env 1, dimension 0, must be finite \(got NaN\)/,
      );
      // A kernel (not writeActions) may still produce NaN: the wrapper refuses it and flags it.
      gpu().device.queue.writeBuffer(env.buffers.actions, 0, Float32Array.of(0, 0, 0, 0, Number.POSITIVE_INFINITY, 0, 0, Number.NaN));
      await step(gpu(), env);
      const after = await env.read();
      expect([...after.nextStates]).toEqual([0.5, 0.25, -1, 2, 1, -0.5, -1, 2]);
      expect([...after.stepCounts]).toEqual([2, 2, 1, 1]);
      await expect(env.checkActions()).rejects.toThrow(/non-finite action for env 'Plane-v0': 2 env-steps .*first env 2/);
      await expect(env.checkActions()).resolves.toBeUndefined();
    } finally {
      env.destroy();
    }
  });

  it("reports a compile error at the user's own line with the WGSL message", async () => {
    const lines = RANDOM_WALK_WGSL.split('\n');
    const bad = lines.findIndex((l) => l.includes('let drift'));
    lines[bad] = '  let drift = (f32(action) - 1.0) * params.step_size + missing_name;';
    const descriptor = customEnv({ ...RANDOM_WALK, id: 'BrokenWalk-v0', wgsl: lines.join('\n') });
    const error = await gpuStep(gpu(), 'compile error', () => createVectorEnv(gpu().device, descriptor, { numEnvs: 2, seed: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    const diagnostic = (error as ShaderCompileError).diagnostics[0]!;
    expect(diagnostic.part).toBe('BrokenWalk-v0');
    expect(diagnostic.line).toBe(bad + 1);
    expect(diagnostic.message).toMatch(/missing_name/);
    expect((error as Error).message).toMatch(new RegExp(`BrokenWalk-v0:${bad + 1}:\\d+: .*missing_name`));
  });

  it('rejects a body lacking required declarations, naming each, before compiling', () => {
    const withoutObs = RANDOM_WALK_WGSL.replace(/fn env_obs[\s\S]*$/, '');
    expect(() => customEnv({ ...RANDOM_WALK, wgsl: withoutObs })).toThrow(EnvContractError);
    expect(() => customEnv({ ...RANDOM_WALK, wgsl: withoutObs })).toThrow(/env 'RandomWalk-v0': its WGSL lacks fn env_obs \(/);
    const noParamsNoReset = RANDOM_WALK_WGSL.replace('struct EnvParams', 'struct Physics').replace('fn env_reset', 'fn start');
    expect(() => customEnv({ ...RANDOM_WALK, wgsl: noParamsNoReset })).toThrow(/lacks struct EnvParams, fn env_reset/);
    // A declaration inside a comment does not count.
    const commented = RANDOM_WALK_WGSL.replace('fn env_step(', '// fn env_step(\nfn walk_step(');
    expect(() => customEnv({ ...RANDOM_WALK, wgsl: commented })).toThrow(/lacks fn env_step/);
    // Descriptor and WGSL must agree.
    expect(() => customEnv({ ...RANDOM_WALK, stateNames: ['a', 'b'] })).toThrow(/stateNames has 2 names but the WGSL says STATE_SIZE = 1/);
    expect(() => customEnv({ ...RANDOM_WALK, params: { noise: 0.1, step_size: 0.25, edge: 1 } })).toThrow(
      /params must list struct EnvParams's fields in order: \[step_size, noise, edge\]/,
    );
    expect(() => customEnv({ ...RANDOM_WALK, observationSize: 2 })).toThrow(/observationSpace.size is 2 but the WGSL says OBS_SIZE = 1/);
    expect(() => customEnv({ ...RANDOM_WALK, actionSpace: { kind: 'box', size: 1, low: [-1], high: [1] } })).toThrow(
      /a continuous env declares 'alias EnvAction = array<f32, ACTION_SIZE>;' \(got 'u32'\)/,
    );
    expect(() => customEnv({ ...RANDOM_WALK, id: 'envs/x.wgsl' })).toThrow(/id must start with a letter/);
    expect(() => customEnv({ ...RANDOM_WALK, maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be an integer in \[1, 4294967294\] \(got 0\)/);
  });

  it('refuses to register a name already taken, and accepts per-run params with unknown names rejected', async () => {
    registerCustomEnv(RANDOM_WALK);
    expect(() => registerCustomEnv({ ...RANDOM_WALK })).toThrow(/the name 'RandomWalk-v0' already names 'RandomWalk-v0'/);
    expect(() => registerCustomEnv({ ...RANDOM_WALK, id: 'Other-v0', aliases: ['cartpole'] })).toThrow(/'cartpole' already names 'CartPole-v1'/);
    await expect(createVectorEnv(gpu().device, 'RandomWalk-v0', { numEnvs: 2, seed: 0, params: { stepsize: 1 } })).rejects.toThrow(
      /env 'RandomWalk-v0': unknown param 'stepsize' \(valid: step_size, noise, edge\)/,
    );
    // noise 0, step 1: action 2 moves exactly +1.
    const env = await createVectorEnv(gpu().device, 'RandomWalk-v0', { numEnvs: 2, seed: 0, params: { noise: 0, step_size: 1, edge: 100 } });
    try {
      await reset(gpu(), env);
      const start = (await env.read()).states;
      env.writeActions(Uint32Array.of(2, 0));
      await step(gpu(), env);
      const out = await env.read();
      expect([...out.nextStates]).toEqual([Math.fround(start[0]! + 1), Math.fround(start[1]! - 1)]);
      env.setParams({ step_size: 0.5, noise: 0 });
      await step(gpu(), env);
      const again = await env.read();
      expect(again.nextStates[0]).toBe(Math.fround(out.nextStates[0]! + 0.5));
      expect(row(again.observations, 1, 1)).toEqual([again.states[1]]);
    } finally {
      env.destroy();
    }
  });
});
