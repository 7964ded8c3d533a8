/**
 * Pong-v0 (shaders/envs/pong.wgsl) on a real device through the generic wrapper, against its
 * JavaScript twin (test/support/pong-host.ts) with the wrapper's draws replayed on the CPU: whole
 * runs through createHostVectorEnv from the same seed, with a paddle that mostly follows the ball
 * (rallies, returns off the edge) and often moves at random (points either way), games of 2 points
 * and a short step limit (truncations). States are small integers and agree exactly; observations to f32
 * rounding of one division, episode returns (sums of the 0.1 shaping reward) to f32 rounding.
 */
import { describe, expect, it } from 'vitest';
import { createHostVectorEnv } from '../../src/envs/host-env';
import { createVectorEnv } from '../../src/envs/vector-env';
import { pong } from '../../src/games/pong';
import { gpuStep, useGpu } from '../support/gpu';
import { BALL_Y, PADDLE_Y, PONG_OBS_SIZE as OBS, PONG_STATE_SIZE as STATE, PongHost } from '../support/pong-host';
import { freshSeed, seededRandom } from '../support/random';

describe('Pong-v0 on the GPU', () => {
  const gpu = useGpu();

  it('the WGSL env and its JavaScript twin replay each other from one seed (11 envs × 1 500 steps, games of 2 points, limit 400)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 11;
    const twin = new PongHost(numEnvs, { points_per_game: 2 }, 400);
    const gpuEnvs = await createVectorEnv(device, pong, { numEnvs, seed, maxEpisodeSteps: 400, params: { points_per_game: 2 } });
    const hostEnvs = await createHostVectorEnv(device, twin, { numEnvs, seed });
    const counts = { won: 0, lost: 0, returns: 0, games: 0, truncated: 0 };
    const wrong: string[] = [];
    const submit = (encode: (encoder: GPUCommandEncoder) => void) => {
      const encoder = device.createCommandEncoder({ label: 'test.pong' });
      encode(encoder);
      device.queue.submit([encoder.finish()]);
    };
    try {
      await gpuStep(gpu(), 'pong twin', async () => {
        submit((encoder) => gpuEnvs.encodeReset(encoder));
        hostEnvs.reset();
        for (let t = 0; t < 1500 && wrong.length === 0; t += 1) {
          const actions = Uint32Array.from({ length: numEnvs }, (_, n) => {
            if (random() < 0.4) return Math.floor(random() * 3);
            const row = twin.row(n);
            const gap = row[BALL_Y]! - row[PADDLE_Y]!;
            return gap > 1 ? 2 : gap < -1 ? 0 : 1;
          });
          gpuEnvs.writeActions(actions);
          hostEnvs.writeActions(actions);
          submit((encoder) => gpuEnvs.encodeStep(encoder));
          await hostEnvs.step();
          const onGpu = await gpuEnvs.read();
          const onHost = hostEnvs.latest;
          for (let n = 0; n < numEnvs; n += 1) {
            const report = (what: string) => wrong.push(`env ${n}, step ${t}, action ${actions[n]}: ${what}`);
            for (const field of ['terminated', 'truncated', 'episodeLengths', 'stepCounts', 'episodeIndices', 'rewards'] as const) {
              if (onGpu[field][n] !== onHost[field][n]) report(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            // A return's sum of 0.1s rounds in the order each side adds.
            if (Math.abs(onGpu.episodeReturns[n]! - onHost.episodeReturns[n]!) > 1e-5) report(`episodeReturns ${onGpu.episodeReturns[n]} vs ${onHost.episodeReturns[n]}`);
            for (const field of ['observations', 'finalObservations'] as const) {
              for (let i = 0; i < OBS; i += 1) {
                const [a, b] = [onGpu[field][n * OBS + i]!, onHost[field][n * OBS + i]!];
                if (Math.abs(a - b) > 1e-6) report(`${field}[${i}] ${a} vs ${b}`);
              }
            }
            for (let i = 0; i < STATE; i += 1) {
              if (onGpu.states[n * STATE + i] !== twin.states[n * STATE + i]) report(`state[${i}] ${onGpu.states[n * STATE + i]} vs ${twin.states[n * STATE + i]}`);
            }
            for (let m = 0; m < 3; m += 1) if (onGpu.episodeMetrics![n * 3 + m] !== onHost.episodeMetrics![n * 3 + m]) report(`episodeMetrics[${m}]`);
            counts.won += onHost.rewards[n]! > 0.5 ? 1 : 0;
            counts.lost += onHost.rewards[n]! < -0.5 ? 1 : 0;
            counts.returns += onHost.rewards[n] === Math.fround(0.1) ? 1 : 0;
            counts.games += onHost.terminated[n]!;
            counts.truncated += onHost.truncated[n]!;
          }
        }
      });
      console.log(`[pong twin] seed ${seed}: ${JSON.stringify(counts)}`);
      expect(wrong.slice(0, 10), `seed ${seed}`).toEqual([]);
      expect(counts.won, `seed ${seed}`).toBeGreaterThan(5);
      expect(counts.lost, `seed ${seed}`).toBeGreaterThan(5);
      expect(counts.returns, `seed ${seed}`).toBeGreaterThan(50);
      expect(counts.games, `seed ${seed}`).toBeGreaterThan(3);
      expect(counts.truncated, `seed ${seed}`).toBeGreaterThan(0);
    } finally {
      gpuEnvs.destroy();
      hostEnvs.destroy();
    }
  });
});
