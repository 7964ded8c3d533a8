/**
 * webgpu-rl: policy-gradient reinforcement learning whose whole training loop runs as WebGPU compute
 * shaders. This is the package root, what a game or a training script uses: the {@link Agent}, the
 * env definitions, the algorithms' configs and defaults, checkpoint stores, statistics and errors.
 * It runs in the browser; in Node import `webgpu-rl/node` (the same names, plus Dawn and files).
 * The engine's building blocks (kernels, passes, buffers, trainers) are `webgpu-rl/engine`.
 *
 * @packageDocumentation
 * @module webgpu-rl
 */

// The agent: train, act, save, resume, clone demonstrations, export.
export { Agent, DeviceLostError } from './agent/agent';
export type { AgentEventDetail, AgentIterationStats, AgentOptions, AlgorithmConfig, CloneOptions, TrainOptions } from './agent/agent';
export type { ActOptions, ActResult } from './agent/policy-inference';
export { CPU_INFERENCE_STREAM, CpuPolicy } from './agent/cpu-policy';
export type { CpuActOptions, CpuActResult, CpuPolicyOptions } from './agent/cpu-policy';
export type { CpuObservationNormaliser, CpuPolicySnapshot } from './agent/cpu-policy-snapshot';
export type { ObservationNormaliserRecord } from './normalise/normaliser-record';
export { Demonstrations, DEMONSTRATIONS_VERSION } from './agent/demonstrations';
export type { DemonstrationBox, DemonstrationDataset, DemonstrationEpisode, DemonstrationHybridSpace, DemonstrationsConfig, DemonstrationsJson, HybridDemonstrationAction } from './agent/demonstrations';
export { createAgent } from './worker/create-agent';
export type { MainThreadAgentOptions, WorkerThreadAgentOptions } from './worker/create-agent';
export type { TrainingAgent } from './agent/training-agent';
export { WorkerAgent, WorkerUnavailableError } from './worker/worker-agent';
export type { WorkerAgentOptions, WorkerEnvModule, WorkerEnvView } from './worker/worker-agent';
export { serveAgent } from './worker/agent-host';
export type { ServeAgentOptions } from './worker/agent-host';
export type { Endpoint as WorkerEndpoint, WorkerHandle } from './worker/protocol';
export { evaluateAgent } from './agent/evaluate';
export type { Evaluation, EvaluationOptions } from './agent/evaluate';
export type { FrozenPolicy } from './agent/evaluate-policy';

// Environments: the built-in ones, a game's JavaScript env, a custom WGSL env.
export { acrobot } from './envs/builtin/acrobot';
export { cartPole } from './envs/builtin/cartpole';
export { catchEnv } from './envs/builtin/catch';
export { mountainCar } from './envs/builtin/mountain-car';
export { mountainCarContinuous } from './envs/builtin/mountain-car-continuous';
export { pendulum } from './envs/builtin/pendulum';
export { snakeEnv } from './envs/builtin/snake';
export { BUILTIN_ENVS, UnknownEnvError, lookupEnv, registerEnv, registeredEnvNames, registeredEnvs } from './envs/registry';
export type { EnvSource } from './envs/registry';
export type { HostEnv, HostEnvStepResult, HostRandom, HybridAction } from './envs/host-env';
export type { BatchedHostEnv, HostEnvBatch } from './envs/batched-host-env';
export type { SeatBatch, SeatedHostEnv } from './envs/seated-host-env';
export { MAX_SEATS } from './envs/seated-host-env';
export { customEnv, registerCustomEnv } from './envs/custom';
export type { CustomEnvOptions } from './envs/custom';
export { EnvContractError } from './envs/contract';
export type { ActionSpace, BoxSpace, EnvDescriptor, HybridActions, HybridSpace, MultiDiscreteSpace } from './envs/types';
export { MAX_ACTION_BRANCHES } from './envs/action-branches';
export type { ShaderPart } from './gpu/shaders';

// Algorithms: names, configs with their documented defaults, validation without a GPU.
export { ALGORITHMS, UnknownAlgorithmError, resolveTrainerConfig } from './algos/index';
export type { AlgorithmName, TrainerConfig } from './algos/index';
export { PPO_DEFAULTS, PPO_ENV_DEFAULTS } from './algos/ppo/config';
export { PRESETS, presetConfig } from './algos/presets';
export type { PpoPreset, PresetName, Presets } from './algos/presets';
export type { PpoConfig, ResolvedPpoConfig } from './algos/ppo/config';
export { PPO_KL_DEFAULTS } from './algos/ppo-kl/config';
export type { PpoKlConfig, ResolvedPpoKlConfig } from './algos/ppo-kl/config';
export { REINFORCE_DEFAULTS } from './algos/reinforce/config';
export type {
  PolicyGradientConfig,
  ReinforceConfig,
  ReinforceVariant,
  ReinforceWeights,
  ResolvedPolicyGradientConfig,
  ResolvedReinforceConfig,
  ResolvedReinforceVariant,
} from './algos/reinforce/config';
export type { BaselineKind } from './returns/baselines';
export { A2C_DEFAULTS } from './algos/a2c/config';
export type { A2cConfig, ResolvedA2cConfig } from './algos/a2c/config';
export { OFFPOLICY_DEFAULTS } from './algos/offpolicy/config';
export type { ImportanceWeighting, OffPolicyConfig, ResolvedOffPolicyConfig } from './algos/offpolicy/config';
export { TRPO_DEFAULTS, TRPO_ENV_DEFAULTS } from './algos/trpo/config';
export type { ResolvedTrpoConfig, TrpoConfig } from './algos/trpo/config';
export { CEM_DEFAULTS, CEM_ENV_DEFAULTS } from './algos/cem/config';
export type { CemConfig, ResolvedCemConfig } from './algos/cem/config';
export { ConfigError } from './train/config';

// What training reports.
export type { AgentReport, IterationStats } from './train/report';
export type { SelfPlayOptions, SelfPlayRound, SelfPlaySettings } from './train/self-play-config';
export type { SeatPolicies } from './train/seat-policies';
export type { PoolMemberResults } from './envs/opponent-pool';
export type { IterationCounters } from './train/loop';
export { STATISTICS } from './losses/statistics';
export type { StatisticName } from './losses/statistics';
export type { TrainerEnvView } from './train/trainer';
export { NonFiniteError } from './train/nan-guard';

// Checkpoints: the file format and where to keep them.
export { CHECKPOINT_FORMAT_VERSION, CheckpointError, decodeCheckpoint } from './train/checkpoint';
export type { Checkpoint, CheckpointEnv, CheckpointNetwork, CheckpointObservationNormaliser } from './train/checkpoint';
export type { Activation, HeadSpec, MlpSpec } from './nn/mlp-spec';
export { DEFAULT_CHECKPOINT_DATABASE, openIndexedDbStore } from './persistence/indexeddb-store';
export type { CheckpointInfo, CheckpointStore, IndexedDbStoreOptions } from './persistence/indexeddb-store';
export { storeSink } from './persistence/store-sink';
export type { CheckpointSink } from './persistence/store-sink';

// The GPU: one device shared with a game's renderer, or acquired here; what it is.
export { acquireGpu, formatAdapter } from './gpu/device';
export type { AcquireGpuOptions, AdapterReport, Gpu, GpuLostReport } from './gpu/device';
export { GpuLimitError } from './gpu/limits';
export { ShaderCompileError } from './gpu/kernel';

export { ENGINE_VERSION as VERSION } from './version';
