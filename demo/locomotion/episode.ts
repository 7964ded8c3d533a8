/**
 * One env instance played for the locomotion view, through the env's own BatchedHostEnv methods
 * on a batch of one (resetBatch, stepBatch): the rewards, terminations and resets are the env's,
 * exactly as training sees them, and the MjData is the one the env steps. The engine's step limit
 * (maxEpisodeSteps) is applied here as the engine applies it, by `truncated` on the last step.
 */
import type { Agent } from '../../src/index';
import type { HostEnvBatch } from '../../src/envs/batched-host-env';
import type { GeomPose } from '../../src/mujoco/geometry';
import type { MujocoData, MujocoLocomotionEnv } from '../../src/mujoco';

/** Writes the actions (± 1 box, one row) for an observation row. */
export type Policy = (observation: Float32Array, actions: Float32Array) => void | Promise<void>;

/** Actions all zero: the body falls under gravity with its motors idle. */
export const ZERO_POLICY: Policy = (_observation, actions) => {
  actions.fill(0);
};

/** The agent's deterministic action for the observation, written into the env's action row. */
export function agentPolicy(agent: Agent): Policy {
  return async (observation, actions) => {
    const result = await agent.act(observation, { deterministic: true });
    actions.set(result.actions as Float32Array);
  };
}

/** The MjData arrays drawn, as views re-taken when the WebAssembly heap grows (a stale view has length 0). */
interface Views extends GeomPose {
  readonly xpos: Float64Array;
}

export class LocomotionEpisode {
  readonly batch: HostEnvBatch & { readonly actions: Float32Array };
  /** Steps and return of the episode in progress. */
  steps = 0;
  returnSoFar = 0;
  /** Episodes finished, and the return of the last one (NaN before the first ends). */
  episodes = 0;
  lastReturn = Number.NaN;
  /** Steps of every episode so far. */
  totalSteps = 0;
  private views: Views | null = null;

  constructor(readonly env: MujocoLocomotionEnv) {
    const size = env.actionSpace.size;
    this.batch = {
      numEnvs: 1,
      actions: new Float32Array(size),
      discreteActions: new Uint32Array(0),
      observations: new Float32Array(env.observationSize),
      rewards: new Float32Array(1),
      terminated: new Uint32Array(1),
      truncated: new Uint32Array(1),
      masks: new Uint32Array(0),
      episodeMetrics: new Float32Array(env.episodeMetrics.length),
      // A view, not an experiment: the page's own random numbers for the reset noise.
      random: () => Math.random(),
    };
    this.reset();
  }

  reset(): void {
    this.env.resetBatch(this.batch, new Uint32Array([0]));
    this.steps = 0;
    this.returnSoFar = 0;
  }

  /** One env step under `policy`; starts the next episode when this one ends. Resolves true when it ended. */
  async step(policy: Policy): Promise<boolean> {
    const { batch } = this;
    await policy(batch.observations, batch.actions);
    // The trainer clips a box action to its bounds before the env sees it; the view does the same.
    for (let j = 0; j < batch.actions.length; j += 1) batch.actions[j] = Math.min(1, Math.max(-1, batch.actions[j]!));
    batch.truncated[0] = this.steps + 1 >= this.env.maxEpisodeSteps ? 1 : 0;
    this.env.stepBatch(batch, 0, 1);
    this.steps += 1;
    this.totalSteps += 1;
    this.returnSoFar += batch.rewards[0]!;
    if (batch.terminated[0] === 0 && batch.truncated[0] === 0) return false;
    this.episodes += 1;
    this.lastReturn = this.returnSoFar;
    this.reset();
    return true;
  }

  /** The instance's geom poses and body positions, for drawing this frame. */
  pose(): Views {
    if (!this.views || this.views.geom_xpos.length === 0) {
      const data = this.env.instanceData(this.batch, 0) as (MujocoData & { geom_xpos: Float64Array; geom_xmat: Float64Array }) | undefined;
      if (!data) throw new Error('locomotion view: the instance has no MjData (released?)');
      this.views = { geom_xpos: data.geom_xpos, geom_xmat: data.geom_xmat, xpos: data.xpos };
    }
    return this.views;
  }

  /** Frees the instance's MjData (the env stays usable). */
  release(): void {
    this.views = null;
    this.env.releaseBatch(this.batch);
  }
}
