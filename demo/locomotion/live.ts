/**
 * The Train panel's view of a MuJoCo env while it trains: the training instances live in the
 * engine's batch (stepped in halves beside the GPU, never drawn from there), so the view plays one
 * more instance of the same env, a batch of its own, with the agent's current policy
 * (deterministic act(), one env step per animation frame at most, beside training), and draws it
 * with the locomotion renderer. As the policy improves, so does the walk.
 */
import type { Agent } from '../../src/index';
import type { MujocoLocomotionEnv } from '../../src/mujoco';
import type { GeomModel } from '../../src/mujoco/geometry';
import { agentPolicy, LocomotionEpisode } from './episode';
import { createLocomotionRenderer } from './renderer';

export interface LiveLocomotionView {
  /** Draws the instance, and steps it once if no step is in flight (call once per animation frame). */
  draw(): void;
  /** The instance's episodes so far and the last one's return (NaN before the first ends). */
  readonly episode: LocomotionEpisode;
  /** Geom parts drawn per frame. */
  readonly instances: number;
  destroy(): void;
}

export async function createLiveLocomotionView(device: GPUDevice, canvas: HTMLCanvasElement, env: MujocoLocomotionEnv, agent: Agent): Promise<LiveLocomotionView> {
  // The compiled model's geom arrays exist at run time; MujocoModel's type lists only what the envs read.
  const renderer = await createLocomotionRenderer(device, canvas, env.model as unknown as GeomModel);
  const episode = new LocomotionEpisode(env);
  const policy = agentPolicy(agent);
  const target = new Float64Array(3);
  let busy = false;
  let destroyed = false;

  const step = async () => {
    busy = true;
    try {
      await episode.step(policy);
    } catch (error) {
      // The agent was destroyed (Reset) while act() was in flight: nothing left to play.
      if (!destroyed) console.error(`webgpu-rl demo, locomotion view: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      busy = false;
    }
  };

  return {
    episode,
    instances: renderer.instances,
    draw() {
      if (destroyed) return;
      if (!busy) void step();
      const pose = episode.pose();
      // Body 1 is the torso in every locomotion model (body 0 is the world).
      for (let i = 0; i < 3; i += 1) target[i] = pose.xpos[3 + i]!;
      renderer.draw(pose, target);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      renderer.destroy();
      episode.release();
    },
  };
}
