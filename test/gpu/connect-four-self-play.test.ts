/**
 * The policy seat of ConnectFour-v0 (shaders/envs/env_opponent_*.wgsl, src/envs/opponent-pool.ts)
 * on a real device, replayed on the CPU: a pool of four snapshots in a ring of three, each a fresh
 * random policy. Every episode's member is recomputed from the seat's Philox draws, every opening
 * and reply from the member's float64 forward pass and masked softmax (the GPU's column must lie
 * in the inverse-CDF interval of its draw, to float32 rounding), every next state, reward and
 * termination from the twin's rules (test/support/connect-four-host.ts), and the pool's result
 * counts from the replayed games. The float64 forward is itself checked against the engine's
 * CPU MLP (src/nn/cpu-mlp.ts).
 */
import { describe, expect, it } from 'vitest';
import { connectFour } from '../../src/games/connect-four';
import { createBufferWithData, destroyBuffer } from '../../src/gpu/buffers';
import { createVectorEnv } from '../../src/envs/vector-env';
import { CpuMlp } from '../../src/nn/cpu-mlp';
import { actorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { cdfIntervals, drawnMember, logits64, seatDraws } from '../support/policy-seat';
import {
  C4_STATE_SIZE as STATE,
  CELLS,
  OPPONENT,
  OPPONENT_KIND,
  OPPONENT_POLICY,
  c4Mask,
  c4OpponentObservation,
  c4OpponentStep,
  c4OpponentTurn,
  c4Step,
  legalColumns,
} from '../support/connect-four-host';

const WINDOW = 3;
const LATEST_RATIO = 0.3;

describe('ConnectFour-v0 policy seat (an opponent pool) on the GPU', () => {
  const gpu = useGpu();

  it('plays each episode’s pool member as its draws and its policy say, and counts the results per member (11 envs × 160 steps)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 11;
    const spec = actorSpec(84, 7, [24]);
    const layout = mlpLayout(spec);
    const P = layout.parametersPerAgent;
    // Four snapshots of weights large enough that the members' softmaxes are far from uniform.
    const sets = Float32Array.from({ length: 4 * P }, () => (random() - 0.5) * 1.6);
    const members = [3, 1, 2].map((k) => sets.subarray(k * P, (k + 1) * P));
    const newest = 0;

    // The reference forward agrees with the engine's CPU MLP.
    const probe = Float32Array.from({ length: 84 }, () => (random() < 0.3 ? 1 : 0));
    const engine = new CpuMlp(spec, 'policy').forward(members[1]!, probe, 1);
    const reference = logits64(layout, members[1]!, probe);
    reference.forEach((value, a) => expect(Math.abs(value - engine[a]!), `seed ${seed}, logit ${a}`).toBeLessThan(1e-5));

    const env = await createVectorEnv(device, connectFour, {
      numEnvs,
      seed,
      params: { opponent_lookahead: 0.5 },
      opponentPool: { policy: spec, window: WINDOW, latestRatio: LATEST_RATIO, probability: 0.6 },
    });
    const source = createBufferWithData(device, 'test.pool-source', sets);
    const submit = (encode: (encoder: GPUCommandEncoder) => void) => {
      const encoder = device.createCommandEncoder();
      encode(encoder);
      device.queue.submit([encoder.finish()]);
    };
    const wrong: string[] = [];
    const expected = Array.from({ length: WINDOW }, () => [0, 0, 0]);
    const memberOf = new Array<number>(numEnvs).fill(-1);
    let seatMoves = 0;
    let ties = 0;
    const view = new Float32Array(84);
    const mask = new Uint32Array(7);
    /** Whether the GPU's column is the member's draw `u` in `state` (inverse CDF, to rounding). */
    const checkColumn = (where: string, state: Float32Array, member: number, u: number, column: number) => {
      c4Mask(state, mask);
      const interval = cdfIntervals(logits64(layout, members[member]!, c4OpponentObservation(state, view)), mask)[column];
      seatMoves += 1;
      if (!interval) return wrong.push(`${where}: column ${column} is full`);
      if (u >= interval[0] && u < interval[1]) return;
      if (Math.abs(u - interval[0]) < 1e-5 || Math.abs(u - interval[1]) < 1e-5) ties += 1;
      else wrong.push(`${where}: member ${member} played column ${column} ([${interval[0].toFixed(6)}, ${interval[1].toFixed(6)})) for draw ${u}`);
    };
    /** The start of episode `episode` of env n: its member from the draws, and the opening if the seat is first. */
    const checkStart = (n: number, episode: number, state: Float32Array) => {
      const [u0, u1, u2] = seatDraws(seed, n, 0, episode);
      const drawn = drawnMember(u0!, u1!, LATEST_RATIO, WINDOW, newest);
      const member = state[OPPONENT_KIND] === OPPONENT_POLICY ? drawn : -1;
      memberOf[n] = member;
      if (member < 0 || state[0] !== 1) return;
      const discs = [...state.subarray(CELLS)].map((cell, i) => [cell, i] as const).filter(([cell]) => cell !== 0);
      if (discs.length !== 1 || discs[0]![0] !== OPPONENT || discs[0]![1] >= 7) return wrong.push(`env ${n}, episode ${episode}: opening board ${JSON.stringify(discs)}`);
      checkColumn(`env ${n}, episode ${episode}, opening`, new Float32Array(STATE).fill(0, 0).map((_, i) => (i === 0 ? 1 : i === OPPONENT_KIND ? OPPONENT_POLICY : 0)), member, u2!, discs[0]![1]);
    };
    try {
      await gpuStep(gpu(), 'policy seat replay', async () => {
        submit((encoder) => [0, 1, 2, 3].forEach((k) => env.opponentPool!.encodeSnapshot(encoder, source, k * P)));
        submit((encoder) => env.encodeReset(encoder));
        let before = await env.read();
        for (let n = 0; n < numEnvs; n += 1) checkStart(n, 0, before.states.slice(n * STATE, (n + 1) * STATE));
        for (let t = 0; t < 160 && wrong.length === 0; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, (_, n) => {
            const legal = legalColumns(before.states.subarray(n * STATE + CELLS, (n + 1) * STATE));
            return legal[Math.floor(random() * legal.length)]!;
          });
          env.writeActions(actions);
          submit((encoder) => env.encodeStep(encoder));
          const after = await env.read();
          for (let n = 0; n < numEnvs; n += 1) {
            const where = `env ${n}, step ${t}`;
            const member = memberOf[n]!;
            if (member >= 0) {
              const s = before.states.slice(n * STATE, (n + 1) * STATE);
              let { reward, terminated } = c4Step(s, actions[n]!, () => 0);
              if (!terminated && c4OpponentTurn(s)) {
                const u = seatDraws(seed, n, before.stepCounts[n]! + 1, before.episodeIndices[n]!)[0]!;
                const gpuNext = after.nextStates.subarray(n * STATE + CELLS, (n + 1) * STATE);
                const column = [...gpuNext].findIndex((cell, i) => cell === OPPONENT && s[CELLS + i] === 0) % 7;
                checkColumn(where, s, member, u, column);
                ({ reward, terminated } = c4OpponentStep(s, column < 0 ? 0 : column));
              }
              const gpuRow = after.nextStates.subarray(n * STATE, (n + 1) * STATE);
              if (s.some((value, i) => value !== gpuRow[i])) wrong.push(`${where}: next state ${JSON.stringify([...gpuRow])} vs ${JSON.stringify([...s])}`);
              if (after.rewards[n] !== reward || after.terminated[n] !== (terminated ? 1 : 0)) wrong.push(`${where}: reward/terminated ${after.rewards[n]}/${after.terminated[n]} vs ${reward}/${terminated}`);
              if (terminated) expected[member]![reward > 0 ? 0 : reward < 0 ? 2 : 1]! += 1;
            }
            if (after.terminated[n] || after.truncated[n]) checkStart(n, after.episodeIndices[n]!, after.states.slice(n * STATE, (n + 1) * STATE));
          }
          before = after;
        }
      });
      const results = await env.opponentPool!.takeResults();
      console.log(`[policy seat] seed ${seed}: ${seatMoves} seat moves replayed (${ties} within rounding of a boundary); results per member (W/D/L) ${JSON.stringify(expected)}`);
      expect(wrong.slice(0, 5), `seed ${seed}`).toEqual([]);
      expect(results.map((r) => [r.wins, r.draws, r.losses]), `seed ${seed}`).toEqual(expected);
      expect(results.map((r) => r.snapshot)).toEqual([3, 1, 2]);
      // The run exercised every member and a good number of the seat's moves.
      expect(expected.every(([w, d, l]) => w! + d! + l! > 0), `seed ${seed}: ${JSON.stringify(expected)}`).toBe(true);
      expect(seatMoves).toBeGreaterThan(200);
      expect((await env.opponentPool!.takeResults()).every((r) => r.wins + r.draws + r.losses === 0)).toBe(true);
    } finally {
      env.destroy();
      destroyBuffer(device, source);
    }
  });

  it('refuses the seat’s parameter by hand, and a step before the pool has a member', async () => {
    const { device } = gpu();
    await expect(createVectorEnv(device, connectFour, { numEnvs: 3, seed: 1, params: { opponent_policy: 0.5 } })).rejects.toThrow(
      "env 'ConnectFour-v0': param 'opponent_policy' (got 0.5) is set by the env's opponent pool: give options.opponentPool.probability instead",
    );
    const env = await createVectorEnv(device, connectFour, { numEnvs: 3, seed: 1, opponentPool: { policy: actorSpec(84, 7, [8]), window: 2 } });
    try {
      expect(() => env.encodeReset(device.createCommandEncoder())).toThrow(
        "env 'ConnectFour-v0': its opponent pool is empty: take a snapshot (opponentPool.encodeSnapshot) before the envs reset or step",
      );
    } finally {
      env.destroy();
    }
  });
});
