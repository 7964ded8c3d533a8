/**
 * The TF.js peer: PPO-clip on CartPole-v1 written as a TF.js user would write it, one
 * implementation for every backend (the caller passes the `tf` namespace with its backend set).
 * Same algorithm, network and batch as the engine's createPpoTrainer (CleanRL's ppo.py details):
 * separate actor and critic MLPs 64-64 tanh as tf.sequential models with orthogonal init (√2
 * hidden, 0.01 policy head, 1.0 value head, zero biases); N envs × 128 steps; GAE (γ 0.99, λ 0.95);
 * 4 epochs × 4 minibatches over a fresh permutation; advantages normalised per minibatch; the
 * clipped surrogate and clipped value loss (ε 0.2), entropy bonus 0.01, value coefficient 0.5; one
 * Adam (lr 2.5e-4, ε 1e-5) over both networks with the global gradient norm clipped to 0.5, by
 * tf.variableGrads and optimizer.applyGradients.
 *
 * The env is vectorised in JavaScript (cartpole-vec.ts), so every rollout step reads the logits and
 * values back and samples the actions on the CPU, as a TF.js user with a JavaScript env does.
 * Departures from CleanRL, shared with the engine's run in the benchmark: no learning-rate
 * annealing (a benchmark runs a fixed number of iterations, not a training run to its end).
 * Like CleanRL (and unlike the engine), a truncated episode counts as terminal.
 */
import type * as TF from '@tensorflow/tfjs';
import { CARTPOLE_OBSERVATION_SIZE as OBS, createRandom, createVectorCartPole } from './cartpole-vec';
import { RecentReturns } from './learning';

export type Tfjs = typeof TF;

/** CleanRL's discrete PPO defaults (cleanrl/ppo.py), as the engine's PPO_DEFAULTS. */
export const TFJS_PPO_HYPERPARAMETERS = Object.freeze({
  numSteps: 128, // rollout steps T per env per iteration
  gamma: 0.99, // discount
  gaeLambda: 0.95, // GAE λ
  updateEpochs: 4, // epochs K over each batch
  numMinibatches: 4, // minibatches per epoch
  clipCoef: 0.2, // surrogate and value clipping coefficient
  entCoef: 0.01, // entropy bonus coefficient
  vfCoef: 0.5, // value loss coefficient
  maxGradNorm: 0.5, // global gradient-norm clip over actor and critic
  learningRate: 2.5e-4, // Adam learning rate
  adamEpsilon: 1e-5, // Adam ε
  hidden: 64, // width of both hidden layers (tanh)
});

export interface TfjsPpoOptions {
  /** Parallel envs N. */
  readonly numEnvs: number;
  /** Iterations to run, warm-up included. */
  readonly iterations: number;
  /** Leading iterations left out of the timing (kernel compilation, allocation). */
  readonly warmupIterations?: number; // 1
  readonly seed?: number; // 1
  /** Rollout steps T per env (default 128). */
  readonly numSteps?: number;
  /** Called after each iteration (progress lines). */
  readonly onIteration?: (iteration: number, seconds: number, returnMean100: number) => void;
}

export interface TfjsPpoResult {
  /** tf.getBackend() during the run. */
  readonly backend: string;
  /** Env steps per second over the iterations after warm-up (collect + GAE + update, synchronised at each end). */
  readonly stepsPerSecond: number;
  /** Wall-clock seconds of each iteration. */
  readonly secondsByIteration: number[];
  /** Of which collecting the rollout (policy + env steps + readbacks) and GAE. */
  readonly collectSecondsByIteration: number[];
  /** Mean return of the last ≤ 100 finished episodes at the end of each iteration (NaN before any). */
  readonly returnsByIteration: number[];
  /** Live tensors after each iteration: flat when nothing leaks. */
  readonly tensorsByIteration: number[];
}

/** An MLP 4 → 64 → 64 → outputs, tanh hidden, CleanRL's orthogonal init. */
function mlp(tf: Tfjs, outputs: number, outputGain: number, seed: number): TF.Sequential {
  const { hidden } = TFJS_PPO_HYPERPARAMETERS;
  const orthogonal = (gain: number, offset: number) => tf.initializers.orthogonal({ gain, seed: seed + offset });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [OBS], units: hidden, activation: 'tanh', kernelInitializer: orthogonal(Math.SQRT2, 0), biasInitializer: 'zeros' }),
      tf.layers.dense({ units: hidden, activation: 'tanh', kernelInitializer: orthogonal(Math.SQRT2, 1), biasInitializer: 'zeros' }),
      tf.layers.dense({ units: outputs, kernelInitializer: orthogonal(outputGain, 2), biasInitializer: 'zeros' }),
    ],
  });
}

/** Runs `iterations` PPO iterations on N CartPoles with the backend `tf` has set; times those after warm-up. */
export async function runTfjsPpo(tf: Tfjs, options: TfjsPpoOptions): Promise<TfjsPpoResult> {
  const h = TFJS_PPO_HYPERPARAMETERS;
  const { numEnvs: N, iterations, warmupIterations = 1, seed = 1 } = options;
  const T = options.numSteps ?? h.numSteps;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`numEnvs must be a positive integer (got ${N})`);
  if (!Number.isInteger(iterations) || iterations <= warmupIterations) {
    throw new RangeError(`iterations must be an integer above warmupIterations = ${warmupIterations} (got ${iterations})`);
  }
  const batchSize = N * T;
  const minibatchSize = batchSize / h.numMinibatches;
  if (!Number.isInteger(minibatchSize)) throw new RangeError(`numMinibatches ${h.numMinibatches} must divide the batch N × T = ${batchSize}`);

  // ---- setup ----
  const random = createRandom(seed ^ 0x5eed);
  const env = createVectorCartPole(N, seed);
  const actor = mlp(tf, 2, 0.01, seed * 10);
  const critic = mlp(tf, 1, 1.0, seed * 10 + 5);
  const variables = [...actor.trainableWeights, ...critic.trainableWeights].map((w) => w.read() as TF.Variable);
  const optimizer = tf.train.adam(h.learningRate, 0.9, 0.999, h.adamEpsilon);
  const recent = new RecentReturns(100);

  // The rollout record, time-major [T][N] (CleanRL's buffers).
  const obs = new Float32Array(batchSize * OBS);
  const actions = new Int32Array(batchSize);
  const logProbs = new Float32Array(batchSize);
  const rewards = new Float32Array(batchSize);
  const dones = new Float32Array(batchSize);
  const values = new Float32Array(batchSize);
  const advantages = new Float32Array(batchSize);
  const returns = new Float32Array(batchSize);
  let nextDone = new Float32Array(N);
  const stepDones = new Float32Array(N);
  const stepActions = new Int32Array(N);

  const secondsByIteration: number[] = [];
  const collectSecondsByIteration: number[] = [];
  const returnsByIteration: number[] = [];
  const tensorsByIteration: number[] = [];
  let timedSeconds = 0;
  try {
    for (let iteration = 0; iteration < iterations; iteration += 1) {
      const started = performance.now();

      // ---- collect: T steps of N envs; the policy on the backend, the env and sampling in JS ----
      for (let t = 0; t < T; t += 1) {
        obs.set(env.observations, t * N * OBS);
        dones.set(nextDone, t * N);
        const out = tf.tidy(() => {
          const o = tf.tensor2d(env.observations, [N, OBS]);
          return tf.concat([actor.apply(o) as TF.Tensor2D, critic.apply(o) as TF.Tensor2D], 1);
        });
        const logitsAndValues = await out.data();
        out.dispose();
        for (let n = 0; n < N; n += 1) {
          const l0 = logitsAndValues[3 * n]!;
          const l1 = logitsAndValues[3 * n + 1]!;
          const max = Math.max(l0, l1);
          const logSumExp = max + Math.log(Math.exp(l0 - max) + Math.exp(l1 - max));
          const action = random.next() < Math.exp(l1 - logSumExp) ? 1 : 0;
          stepActions[n] = action;
          actions[t * N + n] = action;
          logProbs[t * N + n] = (action === 1 ? l1 : l0) - logSumExp;
          values[t * N + n] = logitsAndValues[3 * n + 2]!;
        }
        const row = rewards.subarray(t * N, (t + 1) * N);
        for (const episodeReturn of env.step(stepActions, row, stepDones)) recent.push(episodeReturn);
        nextDone = Float32Array.from(stepDones);
      }

      // ---- returns: GAE(γ, λ) bootstrapped from V(next observation) ----
      const nextValueTensor = tf.tidy(() => critic.apply(tf.tensor2d(env.observations, [N, OBS])) as TF.Tensor2D);
      const nextValue = await nextValueTensor.data();
      nextValueTensor.dispose();
      const lastGae = new Float32Array(N);
      for (let t = T - 1; t >= 0; t -= 1) {
        for (let n = 0; n < N; n += 1) {
          const i = t * N + n;
          const nextNonTerminal = t === T - 1 ? 1 - nextDone[n]! : 1 - dones[i + N]!;
          const nextValues = t === T - 1 ? nextValue[n]! : values[i + N]!;
          const delta = rewards[i]! + h.gamma * nextValues * nextNonTerminal - values[i]!;
          lastGae[n] = delta + h.gamma * h.gaeLambda * nextNonTerminal * lastGae[n]!;
          advantages[i] = lastGae[n]!;
          returns[i] = advantages[i]! + values[i]!;
        }
      }

      collectSecondsByIteration.push((performance.now() - started) / 1000);

      // ---- update: K epochs × M minibatches of the flattened batch ----
      const batch = {
        obs: tf.tensor2d(obs, [batchSize, OBS]),
        actions: tf.tensor1d(actions, 'int32'),
        logProbs: tf.tensor1d(logProbs),
        advantages: tf.tensor1d(advantages),
        returns: tf.tensor1d(returns),
        values: tf.tensor1d(values),
      };
      const permutation = new Int32Array(batchSize);
      for (let epoch = 0; epoch < h.updateEpochs; epoch += 1) {
        for (let i = 0; i < batchSize; i += 1) permutation[i] = i;
        for (let i = batchSize - 1; i > 0; i -= 1) {
          const j = Math.floor(random.next() * (i + 1));
          [permutation[i], permutation[j]] = [permutation[j]!, permutation[i]!];
        }
        for (let start = 0; start < batchSize; start += minibatchSize) {
          const mb = tf.tidy(() => {
            const indices = tf.tensor1d(permutation.subarray(start, start + minibatchSize), 'int32');
            return {
              obs: tf.gather(batch.obs, indices),
              actions: tf.gather(batch.actions, indices),
              logProbs: tf.gather(batch.logProbs, indices),
              advantages: tf.gather(batch.advantages, indices),
              returns: tf.gather(batch.returns, indices),
              values: tf.gather(batch.values, indices),
            };
          });
          const loss = (): TF.Scalar =>
            tf.tidy(() => {
              const logits = actor.apply(mb.obs) as TF.Tensor2D;
              const logPolicy = tf.logSoftmax(logits);
              const newLogProb = tf.sum(tf.mul(logPolicy, tf.oneHot(mb.actions, 2)), 1);
              const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logPolicy), logPolicy), 1));
              const newValue = tf.reshape(critic.apply(mb.obs) as TF.Tensor2D, [-1]);
              // Advantages normalised per minibatch (torch's std is the unbiased one).
              const { mean, variance } = tf.moments(mb.advantages);
              const std = tf.sqrt(tf.mul(variance, minibatchSize / (minibatchSize - 1)));
              const adv = tf.div(tf.sub(mb.advantages, mean), tf.add(std, 1e-8));
              const ratio = tf.exp(tf.sub(newLogProb, mb.logProbs));
              const pgLoss = tf.mean(
                tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - h.clipCoef, 1 + h.clipCoef))),
              );
              const vUnclipped = tf.square(tf.sub(newValue, mb.returns));
              const vClipped = tf.add(mb.values, tf.clipByValue(tf.sub(newValue, mb.values), -h.clipCoef, h.clipCoef));
              const vLoss = tf.mul(0.5, tf.mean(tf.maximum(vUnclipped, tf.square(tf.sub(vClipped, mb.returns)))));
              return tf.add(tf.sub(pgLoss, tf.mul(h.entCoef, tf.mean(entropy))), tf.mul(h.vfCoef, vLoss)) as TF.Scalar;
            });
          const { value, grads } = tf.variableGrads(loss, variables);
          // clip_grad_norm_ over actor and critic together: g · min(1, max_norm / (‖g‖ + 1e-6)).
          const clipped = tf.tidy(() => {
            const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
            const norm = tf.sqrt(squares.reduce((a, b) => tf.add(a, b)));
            const scale = tf.minimum(1, tf.div(h.maxGradNorm, tf.add(norm, 1e-6)));
            const scaled: TF.NamedTensorMap = {};
            for (const [name, g] of Object.entries(grads)) scaled[name] = tf.mul(g, scale);
            return scaled;
          });
          // applyGradients is typed as taking a map of variables; it takes the gradient tensors.
          optimizer.applyGradients(clipped as Record<string, TF.Variable>);
          tf.dispose([value, grads, clipped, mb]);
        }
      }
      tf.dispose(batch);
      // Wait for the update's last kernels, so the iteration's time is all its work.
      await variables.at(-1)!.data();

      const seconds = (performance.now() - started) / 1000;
      secondsByIteration.push(seconds);
      if (iteration >= warmupIterations) timedSeconds += seconds;
      returnsByIteration.push(recent.mean());
      tensorsByIteration.push(tf.memory().numTensors);
      options.onIteration?.(iteration, seconds, recent.mean());
    }
  } finally {
    actor.dispose();
    critic.dispose();
    optimizer.dispose();
  }
  return {
    backend: tf.getBackend(),
    stepsPerSecond: ((iterations - warmupIterations) * batchSize) / timedSeconds,
    secondsByIteration,
    collectSecondsByIteration,
    returnsByIteration,
    tensorsByIteration,
  };
}
