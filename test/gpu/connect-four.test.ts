/**
 * ConnectFour-v0 (shaders/envs/connect_four.wgsl) on a real device through the generic wrapper,
 * against its JavaScript twin (test/support/connect-four-host.ts) with the wrapper's draws replayed
 * on the CPU: whole runs through createHostVectorEnv from the same seed, under the default
 * parameters (seat and opponent drawn per episode) and under fixed ones (the learner second against
 * the lookahead player), with moves piling into one column (vertical fours, full columns played now and then) and random legal ones. Every value is a
 * small integer, so the two agree exactly.
 */
import { describe, expect, it } from 'vitest';
import { connectFour } from '../../src/games/connect-four';
import { createHostVectorEnv } from '../../src/envs/host-env';
import { createVectorEnv, type VectorEnv } from '../../src/envs/vector-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { C4_METRIC_COUNT as METRICS, C4_OBS_SIZE as OBS, C4_STATE_SIZE as STATE, CELLS, ConnectFourHost, height, legalColumns, type ConnectFourParams } from '../support/connect-four-host';

const PARAMETER_SETS: readonly Partial<ConnectFourParams>[] = [{}, { learner_seat: 2, opponent_lookahead: 1 }];

describe('ConnectFour-v0 on the GPU', () => {
  const gpu = useGpu();

  function submit(what: string, encode: (encoder: GPUCommandEncoder) => void): void {
    const encoder = gpu().device.createCommandEncoder({ label: `test.connect-four.${what}` });
    encode(encoder);
    gpu().device.queue.submit([encoder.finish()]);
  }

  it.each(PARAMETER_SETS)('the WGSL env and its JavaScript twin replay each other from one seed (13 envs × 300 steps; params %o)', async (params) => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 13;
    const twin = new ConnectFourHost(numEnvs, params);
    const gpuEnvs: VectorEnv = await createVectorEnv(device, connectFour, { numEnvs, seed, params: { ...params } });
    const hostEnvs = await createHostVectorEnv(device, twin, { numEnvs, seed });
    const outcomes = [0, 0, 0, 0, 0];
    const wrong: string[] = [];
    try {
      await gpuStep(gpu(), 'connect four twin', async () => {
        submit('reset', (encoder) => gpuEnvs.encodeReset(encoder));
        hostEnvs.reset();
        for (let t = 0; t < 300 && wrong.length === 0; t += 1) {
          // Half the moves in the env's favourite column (columns fill, vertical fours), one in five
          // of those even when it is full (an illegal move loses at once); the rest a random legal column.
          const actions = Uint32Array.from({ length: numEnvs }, (_, n) => {
            const board = twin.row(n).subarray(CELLS);
            const favourite = n % 7;
            if (random() < 0.5 && (height(board, favourite) < 6 || random() < 0.2)) return favourite;
            const legal = legalColumns(board);
            return legal[Math.floor(random() * legal.length)]!;
          });
          gpuEnvs.writeActions(actions);
          hostEnvs.writeActions(actions);
          submit('step', (encoder) => gpuEnvs.encodeStep(encoder));
          await hostEnvs.step();
          const onGpu = await gpuEnvs.read();
          const onHost = hostEnvs.latest;
          for (let n = 0; n < numEnvs; n += 1) {
            const report = (what: string) => wrong.push(`env ${n}, step ${t}, action ${actions[n]}: ${what}`);
            for (const field of ['terminated', 'truncated', 'episodeLengths', 'stepCounts', 'episodeIndices', 'rewards', 'episodeReturns'] as const) {
              if (onGpu[field][n] !== onHost[field][n]) report(`${field} ${onGpu[field][n]} vs ${onHost[field][n]}`);
            }
            for (const field of ['observations', 'finalObservations'] as const) {
              for (let i = 0; i < OBS; i += 1) {
                if (onGpu[field][n * OBS + i] !== onHost[field][n * OBS + i]) report(`${field}[${i}] ${onGpu[field][n * OBS + i]} vs ${onHost[field][n * OBS + i]}`);
              }
            }
            for (let i = 0; i < 7; i += 1) {
              if (onGpu.masks![n * 7 + i] !== onHost.masks![n * 7 + i]) report(`masks[${i}] ${onGpu.masks![n * 7 + i]} vs ${onHost.masks![n * 7 + i]}`);
            }
            for (let m = 0; m < METRICS; m += 1) {
              if (onGpu.episodeMetrics![n * METRICS + m] !== onHost.episodeMetrics![n * METRICS + m]) report(`episodeMetrics[${m}]`);
            }
            for (let i = 0; i < STATE; i += 1) {
              if (onGpu.states[n * STATE + i] !== twin.states[n * STATE + i]) report(`state[${i}] ${onGpu.states[n * STATE + i]} vs ${twin.states[n * STATE + i]}`);
            }
            if (onHost.terminated[n]) outcomes[onGpu.nextStates[n * STATE + 3]!]! += 1;
            if (params.learner_seat === 2 && onGpu.states[n * STATE]! !== 1) report('the learner played first under learner_seat 2');
          }
        }
      });
      console.log(`[connect four twin] seed ${seed}, params ${JSON.stringify(params)}: outcomes (win, draw, loss, illegal) ${outcomes.slice(1).join(' / ')}`);
      expect(wrong.slice(0, 10), `seed ${seed}`).toEqual([]);
      // The run exercises wins (rare against the lookahead player), losses and illegal moves (draws of such play are rare).
      expect(outcomes[1], `seed ${seed}: wins`).toBeGreaterThan(0);
      expect(outcomes[3], `seed ${seed}: losses`).toBeGreaterThan(10);
      expect(outcomes[4], `seed ${seed}: illegal moves`).toBeGreaterThan(0);
    } finally {
      gpuEnvs.destroy();
      hostEnvs.destroy();
    }
  });
});
