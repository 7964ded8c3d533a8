/**
 * One game of Catch-v0 for a person (or an agent) to play: a one-env VectorEnv on the page's
 * device, stepped one action at a time. Each step is one submit and one readback of a few dozen
 * bytes (the state to draw, the observation to act on, reward and episode flags), which is fine for
 * a game played at 20 steps per second; training never reads back like this.
 *
 * The state drawn after the last step of an episode is the env's nextStates (before its auto-reset),
 * so the final frame shows how the game ended, not the next episode's start.
 */
import { createVectorEnv, type VectorEnv } from '../../src/engine';

const FLOAT = 4;
/** Catch-v0's state and observation sizes (shaders/envs/catch.wgsl: STATE_SIZE, OBS_SIZE). */
const STATE = 7;
const OBS = 7;
const LIVES = 6;
/** Staging layout, in floats: nextStates | states | observations | reward | terminated | truncated. */
const AT_NEXT_STATE = 0;
const AT_STATE = STATE;
const AT_OBSERVATION = 2 * STATE;
const AT_REWARD = 2 * STATE + OBS;
const AT_TERMINATED = AT_REWARD + 1;
const AT_TRUNCATED = AT_REWARD + 2;
const STAGING_FLOATS = AT_REWARD + 3;

/** Catch-v0's actions. */
export const LEFT = 0;
export const STAY = 1;
export const RIGHT = 2;

export interface CatchStep {
  /** The observation the action was chosen from (what a demonstration records). */
  readonly observation: Float32Array;
  readonly action: number;
  readonly reward: number;
  /** Whether this step caught the fruit. */
  readonly caught: boolean;
  /** Lives gone (terminated) or the step limit reached (truncated): the game is over. */
  readonly over: boolean;
}

export class CatchGame {
  /** The state to draw (7 floats, stateNames order). */
  readonly state = new Float32Array(STATE);
  /** The observation the next action is chosen from. */
  readonly observation = new Float32Array(OBS);
  steps = 0;
  /** Fruits caught this game. */
  catches = 0;
  /** The env's return (rewards, shaping included). */
  totalReturn = 0;
  over = false;
  /** 'lives' or 'time' once over. */
  ending: 'lives' | 'time' | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly env: VectorEnv,
    private readonly staging: GPUBuffer,
    readonly seed: number,
  ) {}

  /** A fresh game, reset and read back, ready to draw. Games made with the same seed see the same fruits and bombs. */
  static async create(device: GPUDevice, seed: number): Promise<CatchGame> {
    const env = await createVectorEnv(device, 'Catch-v0', { numEnvs: 1, seed });
    const staging = device.createBuffer({
      label: 'play.catch.readback',
      size: STAGING_FLOATS * FLOAT,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const game = new CatchGame(device, env, staging, seed);
    const encoder = device.createCommandEncoder({ label: 'play.catch.reset' });
    env.encodeReset(encoder);
    game.copyOut(encoder);
    device.queue.submit([encoder.finish()]);
    const floats = await game.readOut();
    game.state.set(floats.subarray(AT_STATE, AT_STATE + STATE));
    game.observation.set(floats.subarray(AT_OBSERVATION, AT_OBSERVATION + OBS));
    return game;
  }

  get lives(): number {
    return Math.max(0, Math.round(this.state[LIVES]!));
  }

  private copyOut(encoder: GPUCommandEncoder): void {
    const b = this.env.buffers;
    encoder.copyBufferToBuffer(b.nextStates, 0, this.staging, AT_NEXT_STATE * FLOAT, STATE * FLOAT);
    encoder.copyBufferToBuffer(b.states, 0, this.staging, AT_STATE * FLOAT, STATE * FLOAT);
    encoder.copyBufferToBuffer(b.observations, 0, this.staging, AT_OBSERVATION * FLOAT, OBS * FLOAT);
    encoder.copyBufferToBuffer(b.rewards, 0, this.staging, AT_REWARD * FLOAT, FLOAT);
    encoder.copyBufferToBuffer(b.terminated, 0, this.staging, AT_TERMINATED * FLOAT, FLOAT);
    encoder.copyBufferToBuffer(b.truncated, 0, this.staging, AT_TRUNCATED * FLOAT, FLOAT);
  }

  private async readOut(): Promise<Float32Array> {
    await this.staging.mapAsync(GPUMapMode.READ);
    const floats = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return floats;
  }

  /** Plays one action (0 left, 1 stay, 2 right). One step at a time: the caller awaits each. */
  async step(action: number): Promise<CatchStep> {
    if (this.over) throw new Error('catch game: step() after the game ended');
    const observation = this.observation.slice();
    const livesBefore = this.lives;
    this.env.writeActions(Uint32Array.of(action));
    const encoder = this.device.createCommandEncoder({ label: 'play.catch.step' });
    this.env.encodeStep(encoder);
    this.copyOut(encoder);
    this.device.queue.submit([encoder.finish()]);
    const floats = await this.readOut();
    const words = new Uint32Array(floats.buffer);
    const reward = floats[AT_REWARD]!;
    const terminated = words[AT_TERMINATED]! !== 0;
    const truncated = words[AT_TRUNCATED]! !== 0;
    const over = terminated || truncated;
    // Before any auto-reset: the frame that shows how this step ended.
    this.state.set(floats.subarray(AT_NEXT_STATE, AT_NEXT_STATE + STATE));
    this.observation.set(floats.subarray(AT_OBSERVATION, AT_OBSERVATION + OBS));
    // reward ≈ caught − missed − bomb (shaping is below 0.02) and lives lost = missed + bomb, so
    // caught = round(reward) + lives lost, whatever landed together this step.
    const livesLost = livesBefore - this.lives;
    const caught = Math.round(reward) + livesLost === 1;
    this.steps += 1;
    this.totalReturn += reward;
    if (caught) this.catches += 1;
    if (over) {
      this.over = true;
      this.ending = terminated ? 'lives' : 'time';
    }
    return { observation, action, reward, caught, over };
  }

  destroy(): void {
    this.env.destroy();
    this.staging.destroy();
  }
}
