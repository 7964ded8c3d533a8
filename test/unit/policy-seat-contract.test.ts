/**
 * The policy seat's contract (EnvDescriptor.policySeat) and the opponent pool's options, both
 * checked by src/envs/opponent-pool.ts when a pool is attached: what each refuses, in the env's own
 * words, before anything is compiled; and the generated forward pass of the seat's policy.
 */
import { describe, expect, it } from 'vitest';
import { checkEnvDescriptor } from '../../src/envs/contract';
import { opponentForwardPart, resolvePoolOptions } from '../../src/envs/opponent-pool';
import { catchEnv } from '../../src/envs/builtin/catch';
import { connectFour } from '../../src/games/connect-four';
import { actorSpec, mlpLayout } from '../../src/nn/mlp-spec';

const policy = actorSpec(84, 7, [32, 16]);

describe('the policy seat and its opponent pool', () => {
  it('ConnectFour-v0 declares a seat; with a pool, a body without its functions or a param of the wrong type is refused', () => {
    expect(checkEnvDescriptor(connectFour).paramFields.map((f) => f.name)).toEqual(['opponent_lookahead', 'learner_seat', 'opponent_policy']);
    const stripped = { ...connectFour, body: { ...connectFour.body, code: connectFour.body.code.replace('fn env_opponent_turn', 'fn other_turn') } };
    // Checked when a pool is attached (nothing else compiles the seat's functions).
    expect(() => checkEnvDescriptor(stripped)).not.toThrow();
    expect(() => resolvePoolOptions(stripped, { policy, window: 2 })).toThrow(
      "env 'ConnectFour-v0': policySeat is set, so its WGSL declares fn env_policy_seat, fn env_opponent_turn, fn env_opponent_obs, fn env_opponent_step, fn env_opponent_mask (missing: fn env_opponent_turn)",
    );
    expect(() => resolvePoolOptions({ ...connectFour, policySeat: { param: 'learner_seat' } }, { policy, window: 2 })).toThrow(
      "env 'ConnectFour-v0': policySeat.param must name an f32 field of struct EnvParams (got 'learner_seat'; the f32 fields: opponent_lookahead, opponent_policy)",
    );
  });

  it('refuses a pool of 0, ratios outside [0, 1], a policy of other shapes and an env without a seat', () => {
    expect(() => resolvePoolOptions(connectFour, { policy, window: 0 })).toThrow(
      "env 'ConnectFour-v0': opponentPool.window must be an integer in [1, 256]: the number of snapshots the pool keeps (got 0)",
    );
    expect(() => resolvePoolOptions(connectFour, { policy, window: 2, latestRatio: -0.1 })).toThrow("env 'ConnectFour-v0': opponentPool.latestRatio must be a probability in [0, 1] (got -0.1)");
    expect(() => resolvePoolOptions(connectFour, { policy: actorSpec(84, 3, [8]), window: 2 })).toThrow(
      "env 'ConnectFour-v0': opponentPool.policy must map the 84 observations to one head of 7 logits (got inputs 84, heads [policy: 3])",
    );
    expect(() => resolvePoolOptions(catchEnv, { policy, window: 2 })).toThrow(/env 'Catch-v0': opponentPool is set, but the env has no policy seat/);
    expect(resolvePoolOptions(connectFour, { policy, window: 3 })).toMatchObject({ window: 3, latestRatio: 0.5, probability: 1 });
  });

  it('generates one dense call per layer, ping-ponging between two private arrays as wide as the widest layer', () => {
    const part = opponentForwardPart(mlpLayout(policy), true);
    const calls = part.code.match(/^ {2}opponent_dense_\w+\(.*\);$/gm)!;
    const layout = mlpLayout(policy);
    expect(calls).toEqual([
      `  opponent_dense_tanh(&a, &b, base, 84u, 32u, ${layout.layers[0]!.weight.offset}u, ${layout.layers[0]!.bias.offset}u);`,
      `  opponent_dense_tanh(&b, &a, base, 32u, 16u, ${layout.layers[1]!.weight.offset}u, ${layout.layers[1]!.bias.offset}u);`,
      `  opponent_dense_identity(&a, &b, base, 16u, 7u, ${layout.layers[2]!.weight.offset}u, ${layout.layers[2]!.bias.offset}u);`,
    ]);
    expect(part.code).toContain('const OPPONENT_WIDTH: u32 = 84u;');
    expect(part.code).toContain('logits[k] = b[k];');
    expect(part.code).toContain('return env_opponent_mask(state, env_params);');
  });
});
