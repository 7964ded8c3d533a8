/**
 * From a checkpoint (src/train/checkpoint.ts) to the ONNX export's input: picks the actor and one
 * agent's parameters, carries the observation statistics over, and checks that the policy kind
 * agrees with the env's action space (checkCheckpointPolicy), so `webgpu-rl export` and the Agent
 * API export the same way. The model's doc_string names its outputs and how to act on them.
 */
import type { ActionSpace, BoxSpace } from '../envs/types';
import { mlpLayout } from '../nn/mlp-spec';
import { CheckpointError, checkCheckpointPolicy, type Checkpoint } from '../train/checkpoint';
import { ENGINE_VERSION } from '../version';
import { exportPolicyOnnx, type OnnxPolicy } from './onnx';

/** The network a checkpoint stores the policy in. */
const ACTOR = 'actor';

export interface CheckpointExportOptions {
  /** Which of the checkpoint's G agents to export (default 0). */
  readonly agent?: number;
}

/** The OnnxPolicy of one agent of `checkpoint`; throws CheckpointError when the checkpoint does not describe a consistent policy. */
export function onnxPolicyFromCheckpoint(checkpoint: Checkpoint, options: CheckpointExportOptions = {}): OnnxPolicy {
  const actor = checkpoint.networks.find((n) => n.name === ACTOR);
  if (!actor) throw new CheckpointError(`checkpoint has no '${ACTOR}' network to export (it has ${checkpoint.networks.map((n) => `'${n.name}'`).join(', ') || 'none'})`);
  const layout = mlpLayout(actor.spec);
  const agents = checkpoint.agents;
  if (!Number.isInteger(agents) || agents < 1 || actor.parameters.length !== agents * layout.parametersPerAgent) {
    throw new CheckpointError(
      `checkpoint network '${ACTOR}' holds ${actor.parameters.length} parameters; ${String(agents)} agents of its spec need ${agents} × ${layout.parametersPerAgent}`,
    );
  }
  const agent = options.agent ?? 0;
  if (!Number.isInteger(agent) || agent < 0 || agent >= agents) {
    throw new RangeError(`agent must be an integer in [0, ${agents - 1}], one of the checkpoint's ${agents} agents (got ${String(agent)})`);
  }
  const normaliser = checkpoint.observationNormaliser;
  if (normaliser && agent !== 0) {
    // The header carries agent 0's statistics only; another agent's would come out wrong.
    throw new RangeError(`agent ${agent}: the checkpoint holds the observation statistics of agent 0 only, so only agent 0 of a normalised run can be exported`);
  }

  const { env, policy } = checkpoint;
  if (env.observationSpace.size !== actor.spec.inputSize) {
    throw new CheckpointError(`checkpoint env '${env.id}' has observations of ${env.observationSpace.size} values but its actor takes ${actor.spec.inputSize}`);
  }
  checkCheckpointPolicy(checkpoint);

  const P = layout.parametersPerAgent;
  const space = env.actionSpace;
  return {
    actor: actor.spec,
    parameters: actor.parameters.slice(agent * P, (agent + 1) * P),
    policy,
    ...(space.kind === 'multiDiscrete' || space.kind === 'hybrid' ? { branches: space.nvec } : {}),
    ...(normaliser ? { observationNormaliser: { mean: normaliser.mean, variance: normaliser.variance, epsilon: normaliser.epsilon, clip: normaliser.clip } } : {}),
    producerVersion: ENGINE_VERSION,
    docString:
      `webgpu-rl ${checkpoint.algo} policy for ${env.id} (seed ${checkpoint.seed}, iteration ${checkpoint.iteration}, ` +
      `${checkpoint.globalStep} env steps, agent ${agent} of ${agents}, trained by webgpu-rl ${checkpoint.engineVersion}). ` +
      `Input 'observations' [batch, ${env.observationSpace.size}] as the env returns them${normaliser ? ' (the running observation normaliser is folded in)' : ''}. ` +
      `Output ${outputsNote(space)}.`,
  };
}

/** The ONNX model bytes of one agent's policy in `checkpoint` (onnxPolicyFromCheckpoint, then exportPolicyOnnx). */
export function exportCheckpointOnnx(checkpoint: Checkpoint, options: CheckpointExportOptions = {}): Uint8Array {
  return exportPolicyOnnx(onnxPolicyFromCheckpoint(checkpoint, options));
}

/** The branches' outputs for the doc string: 'logits_b' [batch, nvec[b]] each. */
function branchesNote(nvec: readonly number[]): string {
  return `${nvec.map((n, b) => `'logits_${b}' [batch, ${n}]`).join(', ')}, one per branch`;
}

/** The Gaussian's outputs for the doc string, and the bounds the env clips its actions to. */
function gaussianNote(box: BoxSpace): string {
  return `'mean' [batch, ${box.size}] and 'log_std' [${box.size}] of the action Gaussian, before the env clips actions to [${box.low.join(', ')}] … [${box.high.join(', ')}]`;
}

/** What the model outputs for `space` and how a runtime acts on it (the doc string's last sentence). */
function outputsNote(space: ActionSpace): string {
  if (space.kind === 'discrete') return `'logits' [batch, ${space.n}]: the greedy action is their argmax, sampling is softmax`;
  if (space.kind === 'multiDiscrete') return `${branchesNote(space.nvec)}: the greedy action is each branch's argmax, sampling a softmax per branch`;
  if (space.kind === 'box') return gaussianNote(space);
  return (
    `${gaussianNote(space.continuous)}, then ${branchesNote(space.nvec)}: an action is the D continuous dims (the mean, or a Gaussian sample) ` +
    `and each branch's index (its argmax, or a softmax sample), drawn independently`
  );
}
