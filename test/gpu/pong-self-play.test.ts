/**
 * The policy seat of Pong-v0, a real-time game (shaders/envs/pong.wgsl, src/envs/opponent-pool.ts),
 * on a real device, replayed on the CPU: a pool of four random snapshots in a ring of three. Each
 * game's member comes from the seat's Philox draws; after the reset and after every step the seat
 * chooses its next move from the member's float64 forward pass over the mirrored court (the GPU's
 * move must lie in the inverse-CDF interval of its draw); the next step moves both paddles at once
 * (the twin's rules, test/support/pong-host.ts, with the env's own draws replayed); and the pool's
 * results count each finished game by its score, which the last point alone may not decide.
 */
import { describe, expect, it } from 'vitest';
import { pong } from '../../src/games/pong';
import { createBufferWithData, destroyBuffer } from '../../src/gpu/buffers';
import { HostEnvRandoms } from '../../src/envs/host-env-random';
import { createVectorEnv } from '../../src/envs/vector-env';
import { actorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { cdfIntervals, drawnMember, logits64, seatDraws } from '../support/policy-seat';
import { OPPONENT, OPPONENT_MOVE, PONG_DEFAULTS, PONG_STATE_SIZE as STATE, POINTS_LOST, POINTS_WON, pongOpponentObservation, pongOpponentStep, pongStep } from '../support/pong-host';

const WINDOW = 3;
const LATEST_RATIO = 0.3;
const PARAMS = { ...PONG_DEFAULTS, points_per_game: 2 };
const LIMIT = 300;

describe('Pong-v0 policy seat (an opponent pool) on the GPU', () => {
  const gpu = useGpu();

  it('moves the right paddle as each game’s member chooses, both paddles together, and scores the games for the pool (9 envs × 700 steps)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 9;
    const spec = actorSpec(6, 3, [16]);
    const layout = mlpLayout(spec);
    const P = layout.parametersPerAgent;
    const sets = Float32Array.from({ length: 4 * P }, () => (random() - 0.5) * 3);
    const members = [3, 1, 2].map((k) => sets.subarray(k * P, (k + 1) * P));
    const env = await createVectorEnv(device, pong, {
      numEnvs,
      seed,
      params: { points_per_game: PARAMS.points_per_game },
      maxEpisodeSteps: LIMIT,
      opponentPool: { policy: spec, window: WINDOW, latestRatio: LATEST_RATIO, probability: 0.7 },
    });
    const source = createBufferWithData(device, 'test.pool-source', sets);
    const submit = (encode: (encoder: GPUCommandEncoder) => void) => {
      const encoder = device.createCommandEncoder();
      encode(encoder);
      device.queue.submit([encoder.finish()]);
    };
    const envDraws = new HostEnvRandoms(seed, numEnvs);
    const wrong: string[] = [];
    const expected = Array.from({ length: WINDOW }, () => [0, 0, 0]);
    const memberOf = new Array<number>(numEnvs).fill(-1);
    const view = new Float32Array(6);
    const all = new Uint32Array([1, 1, 1]);
    let seatMoves = 0;
    let ties = 0;
    let decidedByScoreNotLastPoint = 0;
    /** Whether the move the GPU kept in `gpuState` is the member's draw `u` on `state` (inverse CDF, to rounding). */
    const checkMove = (where: string, member: number, state: Float32Array, gpuState: Float32Array, u: number) => {
      const move = gpuState[OPPONENT_MOVE]! + 1;
      const interval = cdfIntervals(logits64(layout, members[member]!, pongOpponentObservation(state, view)), all)[move]!;
      seatMoves += 1;
      if (u >= interval[0] && u < interval[1]) return;
      if (Math.abs(u - interval[0]) < 1e-5 || Math.abs(u - interval[1]) < 1e-5) ties += 1;
      else wrong.push(`${where}: move ${move} ([${interval[0].toFixed(6)}, ${interval[1].toFixed(6)})) for draw ${u}`);
    };
    /** A game's start: its member from the seat's draws, and its first move from the third. */
    const checkStart = (n: number, episode: number, state: Float32Array) => {
      const [u0, u1, u2] = seatDraws(seed, n, 0, episode);
      memberOf[n] = state[OPPONENT] === 1 ? drawnMember(u0!, u1!, LATEST_RATIO, WINDOW, 0) : -1;
      if (memberOf[n]! >= 0) checkMove(`env ${n}, episode ${episode}, opening`, memberOf[n]!, state, state, u2!);
      else if (state[OPPONENT_MOVE] !== 0) wrong.push(`env ${n}, episode ${episode}: the tracker's game has a seat move ${state[OPPONENT_MOVE]}`);
    };
    try {
      await gpuStep(gpu(), 'pong seat replay', async () => {
        submit((encoder) => [0, 1, 2, 3].forEach((k) => env.opponentPool!.encodeSnapshot(encoder, source, k * P)));
        submit((encoder) => env.encodeReset(encoder));
        let before = await env.read();
        for (let n = 0; n < numEnvs; n += 1) checkStart(n, 0, before.states.slice(n * STATE, (n + 1) * STATE));
        for (let t = 0; t < 700 && wrong.length === 0; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, () => Math.floor(random() * 3));
          env.writeActions(actions);
          submit((encoder) => env.encodeStep(encoder));
          const after = await env.read();
          for (let n = 0; n < numEnvs; n += 1) {
            const where = `env ${n}, step ${t}`;
            const s = before.states.slice(n * STATE, (n + 1) * STATE);
            envDraws.start(n, before.stepCounts[n]!, before.episodeIndices[n]!);
            const { reward, terminated } = pongStep(s, actions[n]!, PARAMS, () => envDraws.next(n));
            const gpuNext = after.nextStates.subarray(n * STATE, (n + 1) * STATE);
            const ended = terminated || before.stepCounts[n]! + 1 >= LIMIT;
            if (memberOf[n]! >= 0 && !ended) {
              // The seat's next move, chosen on the position after the step.
              checkMove(where, memberOf[n]!, s, gpuNext, seatDraws(seed, n, before.stepCounts[n]! + 1, before.episodeIndices[n]!)[0]!);
              pongOpponentStep(s, gpuNext[OPPONENT_MOVE]! + 1);
            }
            if (s.some((value, i) => value !== gpuNext[i])) wrong.push(`${where}: next state ${JSON.stringify([...gpuNext])} vs ${JSON.stringify([...s])}`);
            if (after.rewards[n] !== Math.fround(reward) || after.terminated[n] !== (terminated ? 1 : 0)) wrong.push(`${where}: reward/terminated ${after.rewards[n]}/${after.terminated[n]} vs ${reward}/${terminated}`);
            if (memberOf[n]! >= 0 && ended) {
              const score = s[POINTS_WON]! - s[POINTS_LOST]!;
              expected[memberOf[n]!]![score > 0 ? 0 : score < 0 ? 2 : 1]! += 1;
              if (Math.sign(score) !== Math.sign(reward)) decidedByScoreNotLastPoint += 1;
            }
            if (after.terminated[n] || after.truncated[n]) checkStart(n, after.episodeIndices[n]!, after.states.slice(n * STATE, (n + 1) * STATE));
          }
          before = after;
        }
      });
      const results = await env.opponentPool!.takeResults();
      console.log(
        `[pong seat] seed ${seed}: ${seatMoves} seat moves replayed (${ties} within rounding of a boundary); results per member (W/D/L) ${JSON.stringify(expected)}; ` +
          `${decidedByScoreNotLastPoint} games whose score and last reward disagree in sign`,
      );
      expect(wrong.slice(0, 5), `seed ${seed}`).toEqual([]);
      expect(results.map((r) => [r.wins, r.draws, r.losses]), `seed ${seed}`).toEqual(expected);
      expect(expected.every(([w, d, l]) => w! + d! + l! > 0), `seed ${seed}: ${JSON.stringify(expected)}`).toBe(true);
      expect(seatMoves).toBeGreaterThan(2000);
    } finally {
      env.destroy();
      destroyBuffer(device, source);
    }
  });
});
