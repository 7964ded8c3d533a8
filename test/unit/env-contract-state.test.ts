/**
 * How the env contract (src/envs/contract.ts) counts a State's floats: f32 fields one each,
 * `array<f32, K>` fields K each (a board of cells), anything else refused; the total must be
 * STATE_SIZE. Snake-v0, which holds its board that way, passes the descriptor check.
 */
import { describe, expect, it } from 'vitest';
import { checkEnvDescriptor, EnvContractError, parseEnvBody } from '../../src/envs/contract';
import { snakeEnv } from '../../src/envs/builtin/snake';

/** A body that declares everything the contract asks for, with `state` as its State's fields. */
const body = (stateSize: number, state: string) => `
const OBS_SIZE: u32 = 1u;
const STATE_SIZE: u32 = ${stateSize}u;
const ACTION_SIZE: u32 = 1u;
struct EnvParams { speed: f32 }
struct State { ${state} }
alias EnvAction = u32;
struct EnvStep { state: State, reward: f32, terminated: bool }
fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State { var s: State; return s; }
fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep { return EnvStep(state, 0.0, false); }
fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> { return array<f32, OBS_SIZE>(0.0); }
`;

describe('env contract: State fields', () => {
  it('an array<f32, K> field counts K floats, beside f32 fields', () => {
    const layout = parseEnvBody('boards', body(7, 'x: f32, cells: array<f32, 4>, y: f32, rest: array<f32,1u>,'));
    expect(layout.stateSize).toBe(7);
    expect(layout.stateFields).toEqual(['x', 'cells', 'y', 'rest']);
  });

  it('a total other than STATE_SIZE is refused, naming both', () => {
    expect(() => parseEnvBody('boards', body(6, 'x: f32, cells: array<f32, 4>'))).toThrow(/holds 5 floats but STATE_SIZE = 6/);
  });

  it.each(['array<u32, 4>', 'array<f32>', 'vec2f', 'array<f32, N>', 'array<f32, 0>'])('a %s field is refused', (type) => {
    expect(() => parseEnvBody('boards', body(4, `x: f32, cells: ${type}`))).toThrow(EnvContractError);
  });

  it('Snake-v0 passes: 7 scalars and 64 cells, 71 state names', () => {
    const layout = checkEnvDescriptor(snakeEnv);
    expect(layout.stateSize).toBe(71);
    expect(snakeEnv.stateNames.length).toBe(71);
  });
});
