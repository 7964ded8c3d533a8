/**
 * From a checkpoint (src/train/checkpoint.ts) to the ONNX export's input: picks the actor and one
 * agent's parameters, carries the observation statistics over, and checks that the policy kind
 * agrees with the env's action space, so `webgpu-rl export` and the Agent API export the same way.
 */
import { policyOutputWidth } from '../envs/action-branches';
import { mlpLayout } from '../nn/mlp-spec';
import { CheckpointError, type Checkpoint } from '../train/checkpoint';
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
  const policyHead = actor.spec.heads.find((h) => h.name === 'policy');
  const actions = policyOutputWidth(env.actionSpace);
  const expectedPolicy = env.actionSpace.kind === 'box' ? 'gaussian' : 'categorical';
  if (policy !== expectedPolicy) {
    throw new CheckpointError(`checkpoint policy '${String(policy)}' does not fit env '${env.id}''s ${env.actionSpace.kind} action space (expected '${expectedPolicy}')`);
  }
  if (policyHead && policyHead.size !== actions) {
    throw new CheckpointError(`checkpoint actor's policy head has ${policyHead.size} outputs but env '${env.id}' has ${actions} ${env.actionSpace.kind === 'box' ? 'action dims' : 'actions'}`);
  }

  const P = layout.parametersPerAgent;
  const space = env.actionSpace;
  const actionNote =
    space.kind === 'discrete'
      ? `'logits' [batch, ${actions}]: the greedy action is their argmax, sampling is softmax`
      : space.kind === 'multiDiscrete'
        ? `${space.nvec.map((n, b) => `'logits_${b}' [batch, ${n}]`).join(', ')}, one per branch: the greedy action is each branch's argmax, sampling a softmax per branch`
        : space.kind === 'hybrid' ? 'hybrid (not exported yet)' : `'mean' [batch, ${actions}] and 'log_std' [${actions}] of the action Gaussian, before the env clips actions to [${space.low.join(', ')}] … [${space.high.join(', ')}]`;
  return {
    actor: actor.spec,
    parameters: actor.parameters.slice(agent * P, (agent + 1) * P),
    policy,
    ...(space.kind === 'multiDiscrete' ? { branches: space.nvec } : {}),
    ...(normaliser ? { observationNormaliser: { mean: normaliser.mean, variance: normaliser.variance, epsilon: normaliser.epsilon, clip: normaliser.clip } } : {}),
    producerVersion: ENGINE_VERSION,
    docString:
      `webgpu-rl ${checkpoint.algo} policy for ${env.id} (seed ${checkpoint.seed}, iteration ${checkpoint.iteration}, ` +
      `${checkpoint.globalStep} env steps, agent ${agent} of ${agents}, trained by webgpu-rl ${checkpoint.engineVersion}). ` +
      `Input 'observations' [batch, ${env.observationSpace.size}] as the env returns them${normaliser ? ' (the running observation normaliser is folded in)' : ''}. ` +
      `Output ${actionNote}.`,
  };
}

/** The ONNX model bytes of one agent's policy in `checkpoint` (onnxPolicyFromCheckpoint, then exportPolicyOnnx). */
export function exportCheckpointOnnx(checkpoint: Checkpoint, options: CheckpointExportOptions = {}): Uint8Array {
  return exportPolicyOnnx(onnxPolicyFromCheckpoint(checkpoint, options));
}
