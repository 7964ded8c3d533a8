/**
 * The Agent on a custom WGSL env (a descriptor from customEnv, never registered): it trains on the
 * GPU wrapper like a built-in env, learns to walk back toward the centre (reward −|x|, off the
 * edge ends the episode), and its checkpoint loads again when the descriptor is passed back (and
 * is refused with the registry's error when it is not).
 */
import { describe, expect, it } from 'vitest';
import { Agent, customEnv } from '../../src/index';
import { useGpu } from '../support/gpu';

/** A walker on a line: action 0/1/2 moves it by −step/0/+step, plus noise U(−noise, noise); it falls off past ±edge. */
const RANDOM_WALK_WGSL = `// A 1-D random walk (agent test env).
const OBS_SIZE: u32 = 1u;
const STATE_SIZE: u32 = 1u;
const ACTION_SIZE: u32 = 1u;

struct EnvParams {
  step_size: f32,
  noise: f32,
  edge: f32,
}

struct State {
  position: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(env_uniform_range(rng, -0.5, 0.5));
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let drift = (f32(action) - 1.0) * params.step_size;
  let noise = env_uniform_range(rng, -params.noise, params.noise);
  let position = state.position + drift + noise;
  return EnvStep(State(position), -abs(position), abs(position) > params.edge);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.position);
}
`;

const walk = customEnv({
  id: 'AgentWalk-v0',
  wgsl: RANDOM_WALK_WGSL,
  observationSize: 1,
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['position'],
  params: { step_size: 0.25, noise: 0.1, edge: 1.5 },
  maxEpisodeSteps: 20,
});

describe('Agent on a custom WGSL env', () => {
  const gpu = useGpu();

  it('trains, acts toward the centre, and round-trips its checkpoint with the descriptor', async () => {
    const device = gpu().device;
    const agent = await Agent.create({
      env: walk,
      device,
      algorithm: { algo: 'ppo', numEnvs: 16, numSteps: 20, hiddenSizes: [16], learningRate: 3e-3, totalTimesteps: 30 * 320, seed: 2 },
    });
    try {
      let last = Number.NaN;
      for await (const stats of agent.train()) last = stats.returnMean100;
      const { actions } = await agent.act([1.2, 0.8, 0.6, -0.6, -0.8, -1.2], { deterministic: true });
      console.log(`walk: return_mean_100 ${last.toFixed(2)}; greedy actions at ±x: ${[...actions].join(' ')}`);
      expect([...actions]).toEqual([0, 0, 0, 2, 2, 2]);

      const bytes = await agent.save();
      await expect(Agent.load(bytes, { device })).rejects.toThrow(/unknown env 'AgentWalk-v0'/);
      const loaded = await Agent.load(bytes, { device, env: walk });
      const again = await loaded.act([1.2, 0.8, 0.6, -0.6, -0.8, -1.2], { deterministic: true });
      loaded.destroy();
      expect([...again.actions]).toEqual([...actions]);
    } finally {
      agent.destroy();
    }
  });
});
