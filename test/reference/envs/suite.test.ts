/**
 * The float64 references of Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1
 * checked before anything is compared with them: against transitions worked out by hand, against
 * golden transitions of Gymnasium's own step code, and against the TS descriptors (ids, spaces,
 * limits, thresholds, and parameters equal to the references' constants, in the WGSL's order).
 *
 * The golden transitions were produced by running the step functions of Gymnasium's
 * classic_control files (acrobot.py, mountain_car.py, continuous_mountain_car.py, pendulum.py),
 * copied statement for statement into a numpy script, on the inputs listed here.
 */
import { describe, expect, it } from 'vitest';
import { checkEnvDescriptor } from '../../../src/envs/contract';
import { acrobot } from '../../../src/envs/builtin/acrobot';
import { mountainCar } from '../../../src/envs/builtin/mountain-car';
import { mountainCarContinuous } from '../../../src/envs/builtin/mountain-car-continuous';
import { pendulum } from '../../../src/envs/builtin/pendulum';
import { seededRandom } from '../../support/random';
import {
  ACROBOT_CONSTANTS,
  acrobotDsdt,
  acrobotHeight,
  acrobotObs,
  acrobotReset,
  acrobotStep,
  rk4Step,
  wrap,
} from './acrobot';
import { MOUNTAIN_CAR_CONSTANTS, mountainCarReset, mountainCarStep } from './mountain-car';
import { MOUNTAIN_CAR_CONTINUOUS_CONSTANTS, mountainCarContinuousStep } from './mountain-car-continuous';
import { PENDULUM_CONSTANTS, angleNormalize, pendulumObs, pendulumReset, pendulumStep } from './pendulum';

/** |actual − expected| ≤ tolerance·max(1, |expected|), entry by entry. */
function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((value, i) => {
    const bound = tolerance * Math.max(1, Math.abs(expected[i]!));
    expect(Math.abs(value - expected[i]!), `${what}[${i}]: ${value} vs ${expected[i]}`).toBeLessThanOrEqual(bound);
  });
}

interface Golden<A> {
  state: number[];
  action: A;
  next: number[];
  reward: number;
  terminated: boolean;
}

// Gymnasium's step code on these inputs (see the file comment). Float64 throughout, so the
// references must agree to rounding.
const ACROBOT_GOLDEN: Golden<number>[] = [
  { state: [0.05, -0.08, 0.02, 0.09], action: 2, next: [0.03315113002628262, -0.015402582022559813, -0.1828364192550768, 0.5418314423539914], reward: -1, terminated: false },
  { state: [3.0, -2.5, 12.0, -27.0], action: 0, next: [-0.23504504994479802, -3.031150677596978, 12.566370614359172, -28.274333882308138], reward: -1, terminated: false },
  { state: [-3.1, 3.1, -12.5, 28.0], action: 2, next: [0.1523085430641542, -2.76711669406963, -12.566370614359172, 28.274333882308138], reward: -1, terminated: false },
  { state: [2.0, 1.0, 5.0, 5.0], action: 1, next: [-3.0087993652014458, 1.4572851666410376, 7.6895968664955525, -0.6454838785999], reward: -1, terminated: false },
  { state: [1.2, 0.9, 3.5, 4.0], action: 2, next: [1.9710322367879105, 1.4917063882682875, 4.138042594881654, 2.077903184756802], reward: 0, terminated: true },
];
const MOUNTAIN_CAR_GOLDEN: Golden<number>[] = [
  { state: [-0.5, 0.0], action: 2, next: [-0.49917684300416926, 0.0008231569958307428], reward: -1, terminated: false },
  { state: [-1.19, -0.05], action: 0, next: [-1.2, 0.0], reward: -1, terminated: false },
  { state: [0.49, 0.02], action: 2, next: [0.5107484356665326, 0.020748435666532672], reward: -1, terminated: true },
  { state: [0.55, 0.07], action: 2, next: [0.6, 0.07], reward: -1, terminated: true },
  { state: [-0.3, -0.069], action: 0, next: [-0.37, -0.07], reward: -1, terminated: false },
  { state: [0.45, -0.001], action: 1, next: [0.4484524832822674, -0.001547516717732604], reward: -1, terminated: false },
];
const MOUNTAIN_CAR_CONTINUOUS_GOLDEN: Golden<number[]>[] = [
  { state: [-0.5, 0.0], action: [0.7], next: [-0.4991268515586853, 0.0008731569978408515], reward: -0.048999999999999995, terminated: false },
  { state: [-1.19, -0.05], action: [-1.0], next: [-1.2000000476837158, 0.0], reward: -0.1, terminated: false },
  { state: [0.44, 0.02], action: [1.0], next: [0.4608795642852783, 0.020879561081528664], reward: 99.9, terminated: true },
  // Gymnasium's env clips the force but charges the unclipped action (the wrapper clips first).
  { state: [0.0, 0.07], action: [2.5], next: [0.0689999982714653, 0.0689999982714653], reward: -0.625, terminated: false },
  { state: [0.449, -0.0001], action: [-0.3], next: [0.4478951692581177, -0.001104832161217928], reward: -0.009, terminated: false },
];
const PENDULUM_GOLDEN: Golden<number[]>[] = [
  { state: [0.5, -1.0], action: [1.5], next: [0.4792284576976576, -0.41543084604684777], reward: -0.35224999999999995, terminated: false },
  { state: [3.5, 7.9], action: [2.0], next: [3.896845628961639, 7.936912579232786], reward: -13.991120454100328, terminated: false },
  { state: [-40.0, -8.0], action: [-3.0], next: [-40.4, -8.0], reward: -11.698086310666122, terminated: false },
  { state: [Math.PI, 0.0], action: [0.0], next: [Math.PI, 9.184850993605151e-17], reward: -9.869604401089358, terminated: false },
  { state: [12.0, 2.5], action: [-0.4], next: [12.101878515574983, 2.0375703114996737], reward: -0.9459356728095866, terminated: false },
];

describe('Acrobot-v1 reference', () => {
  it('_dsdt at rest under torque +1 gives the hand-derived accelerations', () => {
    // θ = θ̇ = 0: d1 = 0.25 + (1 + 0.25 + 1) + 2 = 4.5, d2 = 0.75 + 1 = 1.75, φ1 = φ2 = 0 (cos(−π/2) = 0),
    // θ̈2 = 1 / (1.25 − 1.75²/4.5) = 4.5/2.5625, θ̈1 = −1.75·θ̈2/4.5 = −1.75/2.5625.
    expectClose(acrobotDsdt([0, 0, 0, 0, 1]), [0, 0, -1.75 / 2.5625, 4.5 / 2.5625, 0], 1e-15, 'dsdt');
    // Hanging straight down with no torque is an equilibrium; pointing straight up too.
    expectClose(acrobotDsdt([0, 0, 0, 0, 0]), [0, 0, 0, 0, 0], 1e-15, 'dsdt at rest');
    expectClose(acrobotDsdt([Math.PI, 0, 0, 0, 0]), [0, 0, 0, 0, 0], 1e-14, 'dsdt upright');
  });

  it('rk4 is the classic fourth-order step (exact Taylor polynomial for y′ = y)', () => {
    const h = 0.2;
    const [y] = rk4Step((s) => [s[0]!, 0, 0, 0], [1, 0, 0, 0], h);
    expect(y).toBeCloseTo(1 + h + h ** 2 / 2 + h ** 3 / 6 + h ** 4 / 24, 15);
  });

  it('wrap keeps ±π, maps 3π to π and −7 to −7 + 2π (Gymnasium while-loops)', () => {
    expect(wrap(Math.PI, -Math.PI, Math.PI)).toBe(Math.PI);
    expect(wrap(-Math.PI, -Math.PI, Math.PI)).toBe(-Math.PI);
    expect(wrap(3 * Math.PI, -Math.PI, Math.PI)).toBeCloseTo(Math.PI, 14);
    expect(wrap(-7, -Math.PI, Math.PI)).toBeCloseTo(-7 + 2 * Math.PI, 14);
  });

  it("matches Gymnasium's step on golden transitions (state, reward, terminated)", () => {
    for (const golden of ACROBOT_GOLDEN) {
      const step = acrobotStep(golden.state, golden.action);
      expectClose(step.state, golden.next, 1e-12, `Acrobot from ${golden.state} action ${golden.action}`);
      expect(step.reward).toBe(golden.reward);
      expect(step.terminated).toBe(golden.terminated);
    }
  });

  it('terminates exactly when the tip rises above the bar, with reward 0', () => {
    // θ1 = π (first link up) and θ2 = 0: height 2; θ1 = π/2, θ2 = 0: height −cos(π/2) − cos(π/2) = 0.
    expect(acrobotHeight([Math.PI, 0, 0, 0])).toBeCloseTo(2, 15);
    expect(acrobotHeight([Math.PI / 2, 0, 0, 0])).toBeCloseTo(0, 15);
    expect(acrobotObs([Math.PI / 2, -Math.PI / 2, 1, -2])).toEqual([
      Math.cos(Math.PI / 2),
      1,
      Math.cos(-Math.PI / 2),
      -1,
      1,
      -2,
    ]);
  });

  it('resets uniformly in [−0.1, 0.1]⁴ as float32, drawing in state order', () => {
    const draws = [0, 0.25, 0.5, 1];
    let i = 0;
    expect(acrobotReset(() => draws[i++]!)).toEqual([-0.1, -0.05, 0, 0.1].map(Math.fround));
  });
});

describe('MountainCar-v0 reference', () => {
  it('steps as worked by hand from (−0.5, 0) pushing right', () => {
    // v = 0 + (2 − 1)·0.001 − cos(−1.5)·0.0025, p = −0.5 + v.
    const v = 0.001 - Math.cos(1.5) * 0.0025;
    const step = mountainCarStep([-0.5, 0], 2);
    expectClose(step.state, [-0.5 + v, v], 1e-15, 'state');
    expect(step.reward).toBe(-1);
    expect(step.terminated).toBe(false);
  });

  it("matches Gymnasium's step on golden transitions (wall, clips, goal)", () => {
    for (const golden of MOUNTAIN_CAR_GOLDEN) {
      const step = mountainCarStep(golden.state, golden.action);
      expectClose(step.state, golden.next, 1e-12, `MountainCar from ${golden.state} action ${golden.action}`);
      expect(step.reward).toBe(golden.reward);
      expect(step.terminated).toBe(golden.terminated);
    }
  });

  it('reports the wall and goal decisions as near a threshold only when they are', () => {
    expect(mountainCarStep([-0.5, 0], 1).margin).toBeGreaterThan(0.1);
    // p + v' lands on the wall within 1e-12: the wall decision is at its threshold.
    // From p = −1.15 the coasting step gives v' = v − cos(−3.45)·0.0025; choose v so that v' = −0.05.
    const v = -0.05 + Math.cos(3 * -1.15) * 0.0025;
    expect(mountainCarStep([-1.15, v], 1).margin).toBeLessThan(1e-12);
  });

  it('resets p ~ U(−0.6, −0.4) with v = 0', () => {
    expect(mountainCarReset(() => 0.5)).toEqual([-0.5, 0]);
  });
});

describe('MountainCarContinuous-v0 reference', () => {
  it('charges 0.1·a² every step and pays 100 on reaching p ≥ 0.45 (worked by hand)', () => {
    // From (0.44, 0.02) at full throttle: v = 0.02 + 0.0015 − 0.0025·cos(1.32) > 0, p = 0.44 + v ≥ 0.45.
    const v = 0.02 + 0.0015 - 0.0025 * Math.cos(1.32);
    const step = mountainCarContinuousStep([0.44, 0.02], [1]);
    expectClose(step.state, [Math.fround(0.44 + v), Math.fround(v)], 1e-15, 'state');
    expect(step.reward).toBeCloseTo(100 - 0.1, 12);
    expect(step.terminated).toBe(true);
  });

  it("matches Gymnasium's step on golden transitions (state stored as float32)", () => {
    for (const golden of MOUNTAIN_CAR_CONTINUOUS_GOLDEN) {
      const step = mountainCarContinuousStep(golden.state, golden.action);
      expectClose(step.state, golden.next, 1e-12, `MountainCarContinuous from ${golden.state} action ${golden.action}`);
      expect(step.reward).toBeCloseTo(golden.reward, 12);
      expect(step.terminated).toBe(golden.terminated);
    }
  });
});

describe('Pendulum-v1 reference', () => {
  it('angle_normalize is the floored ((x + π) mod 2π) − π', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(Math.PI)).toBeCloseTo(-Math.PI, 15);
    expect(angleNormalize(-Math.PI)).toBeCloseTo(-Math.PI, 15);
    expect(angleNormalize(1.5 * Math.PI)).toBeCloseTo(-0.5 * Math.PI, 14);
    expect(angleNormalize(-7)).toBeCloseTo(-7 + 2 * Math.PI, 14);
    expect(angleNormalize(20)).toBeCloseTo(20 - 6 * Math.PI, 13);
  });

  it('steps as worked by hand from upright at rest under u = 1', () => {
    // cost = 0 + 0 + 0.001·1; θ̇' = (15·sin 0 + 3·1)·0.05 = 0.15; θ' = 0.15·0.05.
    const step = pendulumStep([0, 0], [1]);
    expectClose(step.state, [0.0075, 0.15], 1e-15, 'state');
    expect(step.reward).toBeCloseTo(-0.001, 15);
    expect(step.terminated).toBe(false);
    // The torque is clipped to ±2 and so is its cost; θ̇' is clipped to ±8.
    const clipped = pendulumStep([0, 7.99], [5]);
    expect(clipped.state[1]).toBe(8);
    expect(clipped.reward).toBeCloseTo(-(0.1 * 7.99 ** 2 + 0.001 * 4), 13);
  });

  it("matches Gymnasium's step on golden transitions (cost from the pre-step state)", () => {
    for (const golden of PENDULUM_GOLDEN) {
      const step = pendulumStep(golden.state, golden.action);
      expectClose(step.state, golden.next, 1e-12, `Pendulum from ${golden.state} action ${golden.action}`);
      expect(step.reward).toBeCloseTo(golden.reward, 12);
      expect(step.terminated).toBe(false);
    }
  });

  it('observes [cos θ, sin θ, θ̇] and resets θ ~ U(−π, π), θ̇ ~ U(−1, 1)', () => {
    expectClose(pendulumObs([Math.PI / 2, 3]), [0, 1, 3], 1e-15, 'obs');
    const draws = [0.75, 0.25];
    let i = 0;
    expectClose(pendulumReset(() => draws[i++]!), [Math.PI / 2, -0.5], 1e-15, 'reset');
  });
});

describe('descriptors of the four envs', () => {
  const cases = [
    { env: acrobot, constants: ACROBOT_CONSTANTS, id: 'Acrobot-v1', alias: 'acrobot', steps: 500, threshold: -100 },
    { env: mountainCar, constants: MOUNTAIN_CAR_CONSTANTS, id: 'MountainCar-v0', alias: 'mountaincar', steps: 200, threshold: -110 },
    {
      env: mountainCarContinuous,
      constants: MOUNTAIN_CAR_CONTINUOUS_CONSTANTS,
      id: 'MountainCarContinuous-v0',
      alias: 'mountaincar-continuous',
      steps: 999,
      threshold: 90,
    },
    { env: pendulum, constants: PENDULUM_CONSTANTS, id: 'Pendulum-v1', alias: 'pendulum', steps: 200, threshold: undefined },
  ];

  it.each(cases)('$id: Gymnasium id, alias, step limit and reward threshold', ({ env, id, alias, steps, threshold }) => {
    expect(env.id).toBe(id);
    expect(env.aliases).toEqual([alias]);
    expect(env.maxEpisodeSteps).toBe(steps);
    expect(env.rewardThreshold).toBe(threshold);
  });

  it.each(cases)('$id: follows the env contract, params equal to the reference constants in WGSL order', ({ env, constants }) => {
    const layout = checkEnvDescriptor(env);
    expect(layout.paramFields.map((f) => f.name)).toEqual(Object.keys(constants));
    expect(env.params).toEqual(constants);
    expect(layout.stateFields).toEqual(env.stateNames);
  });

  it('spaces are as Gymnasium declares them', () => {
    expect(acrobot.actionSpace).toEqual({ kind: 'discrete', n: 3 });
    expect(acrobot.observationSpace.high).toEqual([1, 1, 1, 1, 4 * Math.PI, 9 * Math.PI]);
    expect(acrobot.observationSpace.low).toEqual([-1, -1, -1, -1, -4 * Math.PI, -9 * Math.PI]);
    expect(mountainCar.actionSpace).toEqual({ kind: 'discrete', n: 3 });
    expect(mountainCar.observationSpace).toMatchObject({ size: 2, low: [-1.2, -0.07], high: [0.6, 0.07] });
    expect(mountainCarContinuous.actionSpace).toEqual({ kind: 'box', size: 1, low: [-1], high: [1] });
    expect(mountainCarContinuous.observationSpace).toMatchObject({ size: 2, low: [-1.2, -0.07], high: [0.6, 0.07] });
    expect(pendulum.actionSpace).toEqual({ kind: 'box', size: 1, low: [-2], high: [2] });
    expect(pendulum.observationSpace).toMatchObject({ size: 3, low: [-1, -1, -8], high: [1, 1, 8] });
    expect(acrobot.stateNames).toEqual(['theta1', 'theta2', 'theta1_dot', 'theta2_dot']);
    expect(mountainCar.stateNames).toEqual(['position', 'velocity']);
    expect(pendulum.stateNames).toEqual(['theta', 'theta_dot']);
  });
});

describe('reference sanity over random states', () => {
  it('Acrobot keeps angles in [−π, π] and velocities within their bounds', () => {
    const random = seededRandom(12345);
    for (let i = 0; i < 2000; i += 1) {
      const state = [
        (2 * random() - 1) * Math.PI,
        (2 * random() - 1) * Math.PI,
        (2 * random() - 1) * ACROBOT_CONSTANTS.max_vel_1,
        (2 * random() - 1) * ACROBOT_CONSTANTS.max_vel_2,
      ];
      const { state: next, reward, terminated } = acrobotStep(state, Math.floor(random() * 3));
      expect(Math.abs(next[0]!)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(next[1]!)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(next[2]!)).toBeLessThanOrEqual(4 * Math.PI);
      expect(Math.abs(next[3]!)).toBeLessThanOrEqual(9 * Math.PI);
      expect(reward).toBe(terminated ? 0 : -1);
    }
  });
});
