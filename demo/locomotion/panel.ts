/**
 * Watch it walk: a MuJoCo locomotion env (Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5,
 * Humanoid-v5) drawn in 3-D by the page's WebGPU device, one instance played in real time. Without a checkpoint the motors
 * stay idle (zero actions: the body falls and settles); "load checkpoint" reads a .wgrl file that
 * `webgpu-rl train --env Hopper-v5` wrote, builds its Agent on the env the checkpoint names, and
 * plays its deterministic policy, one act() per env step, resetting at each episode's end.
 *
 * MuJoCo's WebAssembly bindings are loaded when the tab is first shown, not with the page; without
 * `@mujoco/mujoco` the view shows loadMujoco's one line naming the package to install.
 *
 * Published selectors: `select[data-role="walk-env"]`, `input[data-role="walk-checkpoint"]`,
 * `canvas[data-role="walk-view"]`, `[data-role="walk-status"]`, `[data-role="walk-message"]`.
 * Probe record, probe().walk (WalkProbe).
 */
import { Agent, decodeCheckpoint } from '../../src/index';
import type { GeomModel } from '../../src/mujoco/geometry';
import { findMujocoEnvId, MUJOCO_ENV_IDS, mujocoEnv, type MujocoLocomotionEnv } from '../../src/mujoco';
import { probe, type DemoContext, type Panel } from '../context';
import { agentPolicy, LocomotionEpisode, ZERO_POLICY, type Policy } from './episode';
import { createLocomotionRenderer, type LocomotionRenderer } from './renderer';

export interface WalkProbe {
  env: string;
  /** 'zero actions' or the checkpoint's file name. */
  policy: string;
  frames: number;
  /** Env steps played since the scene started (all episodes). */
  steps: number;
  episodes: number;
  returnSoFar: number;
  lastReturn: number;
  /** Geom parts drawn per frame. */
  instances: number;
  /** The message shown (MuJoCo missing, a checkpoint refused…). */
  message?: string;
}

/** Env steps a frame may catch up at most (a slow act() slows the playback instead of piling up). */
const MAX_STEPS_PER_FRAME = 4;

/** What the view plays now: one env, its instance, its renderer, and the agent when a checkpoint is loaded. */
interface Scene {
  readonly env: MujocoLocomotionEnv;
  readonly episode: LocomotionEpisode;
  readonly renderer: LocomotionRenderer;
  readonly agent: Agent | null;
  readonly policy: Policy;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

class WalkPanel {
  private readonly envSelect = element('select', { 'data-role': 'walk-env' });
  private readonly fileInput = element('input', { 'data-role': 'walk-checkpoint', type: 'file', accept: '.wgrl' });
  private readonly status = element('p', { class: 'explain', 'data-role': 'walk-status', 'aria-live': 'polite' });
  private readonly notice = element('p', { class: 'train-error', role: 'alert', 'data-role': 'walk-message' });
  private readonly canvas = element('canvas', { 'data-role': 'walk-view', width: '640', height: '360' });
  private readonly record: WalkProbe;
  private scene: Scene | null = null;
  /** Bumped by every scene change: a step or a build still in flight for an older one is dropped. */
  private generation = 0;
  private started = false;
  private frame = 0;
  private busy = false;
  private lastTime = 0;
  /** Simulated seconds owed to real time. */
  private owed = 0;
  private readonly target = new Float64Array(3);

  constructor(
    root: HTMLElement,
    private readonly context: DemoContext,
  ) {
    for (const id of MUJOCO_ENV_IDS) this.envSelect.append(element('option', { value: id }, id));
    this.notice.hidden = true;
    const controls = element('div', { class: 'train-controls' });
    const envLabel = element('label', {}, 'env ');
    envLabel.append(this.envSelect);
    const fileLabel = element('label', {}, 'load checkpoint (.wgrl) ');
    fileLabel.append(this.fileInput);
    controls.append(envLabel, fileLabel);
    const explain = element(
      'p',
      { class: 'explain' },
      'A MuJoCo body drawn by a WebGPU render pipeline, stepped in real time on the CPU. Without a checkpoint its motors are idle; ' +
        'load a checkpoint that `webgpu-rl train --env Hopper-v5` wrote to watch its policy act (deterministic).',
    );
    root.replaceChildren(controls, explain, this.notice, this.canvas, this.status);
    this.record = { env: '', policy: '', frames: 0, steps: 0, episodes: 0, returnSoFar: 0, lastReturn: Number.NaN, instances: 0 };
    probe().walk = this.record;
    this.envSelect.addEventListener('change', () => void this.play(this.envSelect.value, null));
    this.fileInput.addEventListener('change', () => void this.loadCheckpoint());
  }

  private showMessage(text: string | null): void {
    this.notice.hidden = text === null;
    this.notice.textContent = text ?? '';
    if (text === null) delete this.record.message;
    else this.record.message = text;
  }

  /** Replaces the scene by `envId` played with zero actions, or by a checkpoint's agent. */
  private async play(envId: string, checkpoint: { bytes: Uint8Array; name: string } | null): Promise<void> {
    const generation = ++this.generation;
    this.dropScene();
    this.showMessage(null);
    this.status.textContent = `loading ${envId}${checkpoint ? ` and ${checkpoint.name}` : ''}…`;
    let env: MujocoLocomotionEnv | null = null;
    let agent: Agent | null = null;
    let renderer: LocomotionRenderer | null = null;
    try {
      env = await mujocoEnv(envId);
      if (checkpoint) agent = await Agent.load(checkpoint.bytes, { env, device: this.context.device });
      // The compiled model's geom arrays (geom_type, geom_size, geom_rgba) are there at run time; MujocoModel's type lists only what the envs read.
      renderer = await createLocomotionRenderer(this.context.device, this.canvas, env.model as unknown as GeomModel);
      if (generation !== this.generation) throw new Error('superseded');
      this.scene = { env, episode: new LocomotionEpisode(env), renderer, agent, policy: agent ? agentPolicy(agent) : ZERO_POLICY };
      Object.assign(this.record, { env: env.name, policy: checkpoint?.name ?? 'zero actions', steps: 0, episodes: 0, returnSoFar: 0, lastReturn: Number.NaN, instances: renderer.instances });
      this.envSelect.value = env.name;
      // Empty, so that the next frame writes the new scene's line.
      this.status.textContent = '';
    } catch (error) {
      renderer?.destroy();
      agent?.destroy();
      env?.close();
      if (generation !== this.generation) return;
      this.status.textContent = '';
      this.showMessage(message(error));
    }
  }

  /** Reads the chosen file and plays its agent on the env its checkpoint names. */
  private async loadCheckpoint(): Promise<void> {
    const file = this.fileInput.files?.[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const checkpoint = await decodeCheckpoint(bytes);
      const envId = findMujocoEnvId(checkpoint.env.id);
      if (!envId) throw new Error(`${file.name} was trained on '${checkpoint.env.id}', not a MuJoCo locomotion env (${MUJOCO_ENV_IDS.join(', ')})`);
      await this.play(envId, { bytes, name: file.name });
    } catch (error) {
      this.showMessage(`${file.name}: ${message(error)}`);
    } finally {
      // Choosing the same file again loads it again.
      this.fileInput.value = '';
    }
  }

  private dropScene(): void {
    const scene = this.scene;
    this.scene = null;
    if (!scene) return;
    scene.renderer.destroy();
    scene.agent?.destroy();
    scene.episode.release();
    scene.env.close();
  }

  /** Steps owed to real time under the scene's policy; one run at a time (act() is asynchronous). */
  private async advance(scene: Scene, generation: number): Promise<void> {
    this.busy = true;
    try {
      for (let k = 0; k < MAX_STEPS_PER_FRAME && this.owed >= scene.env.dt; k += 1) {
        await scene.episode.step(scene.policy);
        if (generation !== this.generation) return;
        this.owed -= scene.env.dt;
      }
    } catch (error) {
      if (generation === this.generation) this.showMessage(message(error));
      this.owed = 0;
    } finally {
      this.busy = false;
    }
  }

  private readonly draw = (time: number): void => {
    this.frame = requestAnimationFrame(this.draw);
    const scene = this.scene;
    const elapsed = this.lastTime === 0 ? 0 : (time - this.lastTime) / 1000;
    this.lastTime = time;
    if (!scene) return;
    this.owed = Math.min(this.owed + elapsed, MAX_STEPS_PER_FRAME * scene.env.dt);
    if (!this.busy && this.record.message === undefined) void this.advance(scene, this.generation);
    const pose = scene.episode.pose();
    // Body 1 is the torso in every locomotion model (body 0 is the world).
    for (let i = 0; i < 3; i += 1) this.target[i] = pose.xpos[3 + i]!;
    scene.renderer.draw(pose, this.target);
    this.record.frames += 1;
    this.showStatus(scene);
  };

  /** The status line and the probe, rewritten only when the instance has stepped. */
  private showStatus(scene: Scene): void {
    const { episode } = scene;
    const record = this.record;
    if (record.steps === episode.totalSteps && this.status.textContent !== '') return;
    record.steps = episode.totalSteps;
    record.episodes = episode.episodes;
    record.returnSoFar = episode.returnSoFar;
    record.lastReturn = episode.lastReturn;
    const last = Number.isFinite(episode.lastReturn) ? ` · last episode ${episode.lastReturn.toFixed(1)}` : '';
    this.status.textContent = `${scene.env.name} · ${this.record.policy} · episode ${episode.episodes + 1}, step ${episode.steps} · return so far ${episode.returnSoFar.toFixed(1)}${last}`;
  }

  show(): void {
    if (!this.started) {
      this.started = true;
      void this.play(this.envSelect.value || MUJOCO_ENV_IDS[0]!, null);
    }
    if (this.frame === 0) this.frame = requestAnimationFrame(this.draw);
  }

  hide(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.lastTime = 0;
  }
}

let panel: WalkPanel | null = null;

export const walkPanel: Panel = {
  mount(root, context) {
    panel = new WalkPanel(root, context);
  },
  show() {
    panel?.show();
  },
  hide() {
    panel?.hide();
  },
};
