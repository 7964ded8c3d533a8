/**
 * evaluateAgent: an Agent's policy played through its act() (src/agent/evaluate-policy.ts has the
 * loop, its options and its result).
 */
import type { Agent } from './agent';
import { evaluatePolicy, type Evaluation, type EvaluationOptions } from './evaluate-policy';

export { evaluatePolicy, type ActFunction, type Evaluation, type EvaluationOptions } from './evaluate-policy';

/** Plays `episodes` episodes of the agent's env with its current policy; see the file comment. */
export async function evaluateAgent(agent: Agent, options: EvaluationOptions): Promise<Evaluation> {
  return evaluatePolicy(agent.device, agent.env, (observations, actOptions) => agent.act(observations, actOptions), options);
}
