/**
 * Agent.create's bad input, refused before any GPU work (no device exists in this file): each
 * error names the field, the value and what is valid.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type AgentOptions } from '../../src/index';

describe('Agent options', () => {
  const cases: [string, unknown, string | RegExp][] = [
    ['no env', {}, 'agent: options.env is required (an env id, a customEnv descriptor or a HostEnv)'],
    ['unknown env', { env: 'Pong-v5' }, /unknown env 'Pong-v5' \(valid: CartPole-v1/],
    ['env inside the algorithm', { env: 'CartPole-v1', algorithm: { env: 'Acrobot-v1' } }, 'agent: give the env as options.env, not algorithm.env'],
    ['unknown algorithm', { env: 'CartPole-v1', algorithm: { algo: 'sac' } }, /unknown algorithm 'sac' \(valid: ppo, ppo-kl/],
    ['bad hyperparameter', { env: 'CartPole-v1', algorithm: { algo: 'ppo', learningRate: -1 } }, /ppo: learningRate/],
    ['maxActBatch 0', { env: 'CartPole-v1', maxActBatch: 0 }, 'agent: maxActBatch must be a positive integer (got 0)'],
    ['autosave every 2.5', { env: 'CartPole-v1', autosave: { every: 2.5 } }, 'agent: autosave.every must be a positive integer (got 2.5)'],
    ['autosave sink not a function', { env: 'CartPole-v1', autosave: { every: 2, sink: 'file.wgrl' } }, 'agent: autosave.sink must be a function (bytes, info) => Promise<void> (got string)'],
    [
      'host env without an action space',
      { env: { name: 'broken', observationSize: 2, maxEpisodeSteps: 5, reset: () => [0, 0], step: () => ({ observation: [0, 0], reward: 0, terminated: true }) } },
      /actionSpace/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`refuses ${what}`, async () => {
      await expect(Agent.create(options as AgentOptions)).rejects.toThrow(message);
    });
  }
});
