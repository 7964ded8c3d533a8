/**
 * The ONNX export against the engine itself: an agent's exported policy, run by onnxruntime-web in
 * Node (its wasm backend, one thread), gives act()'s policy outputs on 1 000 random observations,
 * for a categorical policy (CartPole) and a Gaussian one whose observations are normalised by
 * running statistics (Pendulum, after training moved them away from their start).
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { Agent, type AlgorithmConfig } from '../../src/index';
import { useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

ort.env.wasm.numThreads = 1;

const ROWS = 1000;

describe('ONNX export matches act()', () => {
  const gpu = useGpu();

  for (const [env, algorithm, scale, output] of [
    ['CartPole-v1', { algo: 'ppo', numEnvs: 4, numSteps: 32, hiddenSizes: [16, 16], totalTimesteps: 4 * 128, seed: 2 }, 2, 'logits'],
    ['Pendulum-v1', { algo: 'ppo', numEnvs: 4, numSteps: 64, hiddenSizes: [16, 16], numMinibatches: 2, updateEpochs: 2, totalTimesteps: 4 * 256, seed: 3 }, 8, 'mean'],
  ] as const) {
    it(`${env}: ${output} of the exported model equal act()'s on ${ROWS} random observations`, async () => {
      const agent = await Agent.create({ env, algorithm: algorithm as AlgorithmConfig, device: gpu().device, maxActBatch: ROWS });
      try {
        for await (const _ of agent.train()) void _;
        const model = await agent.exportOnnx();
        const size = agent.env.observationSpace.size;
        const random = seededRandom(freshSeed());
        const observations = Float32Array.from({ length: ROWS * size }, () => (random() * 2 - 1) * scale);
        const { policyOutputs } = await agent.act(observations, { deterministic: true, policyOutputs: true });
        const session = await ort.InferenceSession.create(model);
        const result = await session.run({ observations: new ort.Tensor('float32', observations, [ROWS, size]) });
        const onnx = result[output]!.data as Float32Array;
        expect(onnx.length).toBe(policyOutputs!.length);
        let largest = 0;
        for (let i = 0; i < onnx.length; i += 1) largest = Math.max(largest, Math.abs(onnx[i]! - policyOutputs![i]!) / Math.max(1, Math.abs(policyOutputs![i]!)));
        console.log(`${env}: largest |onnx − act()| (relative above 1) over ${onnx.length} outputs: ${largest.toExponential(2)}`);
        expect(largest).toBeLessThan(1e-5);
        if (env === 'Pendulum-v1') {
          const checkpoint = await agent.checkpoint();
          // The normaliser had moved: folding it in was part of what matched.
          expect(checkpoint.observationNormaliser!.count).toBeGreaterThan(1000);
          expect(Math.abs(checkpoint.observationNormaliser!.variance[2]! - 1)).toBeGreaterThan(0.1);
        }
      } finally {
        agent.destroy();
      }
    });
  }
});
