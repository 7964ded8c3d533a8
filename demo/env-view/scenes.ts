/**
 * What each env looks like in the grid: its WGSL scene (env_shape, shaders in this folder, one per
 * env) and the TypeScript half, the world box it is drawn in and the override constants it takes
 * from the descriptor's params. An env without a scene of its own (a custom one) gets state bars.
 */
import type { EnvDescriptor } from '../../src/index';
import acrobotWgsl from './acrobot.wgsl?raw';
import cartPoleWgsl from './cartpole.wgsl?raw';
import catchWgsl from './catch.wgsl?raw';
import mountainCarWgsl from './mountain-car.wgsl?raw';
import pendulumWgsl from './pendulum.wgsl?raw';
import snakeWgsl from './snake.wgsl?raw';
import stateBarsWgsl from './state-bars.wgsl?raw';

/** World box (x left to right, y bottom to top) that a cell shows, aspect kept. */
export interface WorldBox {
  left: number;
  bottom: number;
  right: number;
  top: number;
}

export interface Scene {
  /** Names the pipeline in labels and errors. */
  name: string;
  /** Defines ENV_SHAPES and env_shape(env, i) over grid.wgsl's helpers. */
  wgsl: string;
  world(params: Readonly<Record<string, number>>): WorldBox;
  /** The scene's override constants (from the env's params, which a run may not have changed). */
  constants(params: Readonly<Record<string, number>>): Record<string, number>;
}

/** A param's value, or the default this renderer was written against. */
const param = (params: Readonly<Record<string, number>>, name: string, fallback: number) => params[name] ?? fallback;

const cartPole: Scene = {
  name: 'cartpole',
  wgsl: cartPoleWgsl,
  world(params) {
    const xThreshold = param(params, 'x_threshold', 2.4);
    return { left: -xThreshold - 0.3, bottom: -0.3, right: xThreshold + 0.3, top: 2 * param(params, 'length', 0.5) + 0.45 };
  },
  constants: (params) => ({ x_threshold: param(params, 'x_threshold', 2.4), pole_half_length: param(params, 'length', 0.5) }),
};

const acrobot: Scene = {
  name: 'acrobot',
  wgsl: acrobotWgsl,
  world(params) {
    const reach = param(params, 'link_length_1', 1) + 1 + 0.25;
    return { left: -reach, bottom: -reach, right: reach, top: reach };
  },
  constants: (params) => ({ link_length_1: param(params, 'link_length_1', 1) }),
};

const pendulum: Scene = {
  name: 'pendulum',
  wgsl: pendulumWgsl,
  world: () => ({ left: -1.25, bottom: -1.25, right: 1.25, top: 1.25 }),
  constants: () => ({}),
};

/** Both mountain cars: the same hill; the goal differs (0.5 discrete, 0.45 continuous). */
const mountainCar: Scene = {
  name: 'mountain-car',
  wgsl: mountainCarWgsl,
  world(params) {
    return { left: param(params, 'min_position', -1.2) - 0.05, bottom: 0, right: param(params, 'max_position', 0.6) + 0.1, top: 1.2 };
  },
  constants: (params) => ({
    min_position: param(params, 'min_position', -1.2),
    max_position: param(params, 'max_position', 0.6),
    goal_position: param(params, 'goal_position', 0.5),
  }),
};

const catchScene: Scene = {
  name: 'catch',
  wgsl: catchWgsl,
  world: () => ({ left: -1.08, bottom: -0.1, right: 1.08, top: 1.1 }),
  constants: (params) => ({ paddle_half_width: param(params, 'paddle_half_width', 0.15) }),
};

/** The board in cell units (shaders/envs/snake.wgsl clamps each side to [4, 8]). */
const snake: Scene = {
  name: 'snake',
  wgsl: snakeWgsl,
  world(params) {
    const [width, height] = snakeBoard(params);
    return { left: -0.1, bottom: -0.1, right: width + 0.1, top: height + 0.1 };
  },
  constants(params) {
    const [width, height] = snakeBoard(params);
    return { board_width: width, board_height: height };
  },
};

function snakeBoard(params: Readonly<Record<string, number>>): [number, number] {
  const side = (name: string) => Math.min(Math.max(param(params, name, 6), 4), 8);
  return [side('board_width'), side('board_height')];
}

const stateBars: Scene = {
  name: 'state-bars',
  wgsl: stateBarsWgsl,
  world: () => ({ left: -0.05, bottom: -1, right: 1.05, top: 1 }),
  constants: () => ({}),
};

const SCENES: Readonly<Record<string, Scene>> = {
  'CartPole-v1': cartPole,
  'Acrobot-v1': acrobot,
  'Pendulum-v1': pendulum,
  'MountainCar-v0': mountainCar,
  'MountainCarContinuous-v0': mountainCar,
  'Catch-v0': catchScene,
  'Snake-v0': snake,
};

/**
 * ENV_SHAPES of a scene's WGSL, which sizes the draw (6 vertices per shape): read from the shader so
 * that the count is written once. A scene writes it as a literal.
 */
export function shapeCount(scene: Scene): number {
  const match = /^const ENV_SHAPES: u32 = (\d+)u;$/m.exec(scene.wgsl);
  if (!match) throw new Error(`env view scene ${scene.name}: its WGSL must declare \`const ENV_SHAPES: u32 = <count>u;\``);
  return Number(match[1]);
}

/** The scene of a built-in env by its id (its state layout is known), state bars for any other. */
export function sceneFor(descriptor: EnvDescriptor): Scene {
  return SCENES[descriptor.id] ?? stateBars;
}
