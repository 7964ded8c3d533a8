// MountainCar-v0 and MountainCarContinuous-v0 in a grid cell, after Gymnasium's renderer: the hill
// y = 0.45·sin(3x) + 0.55 over [min_position, max_position], the flag at goal_position, and the car
// at its position, tilted along the slope.
// State: position, velocity.

override min_position: f32 = -1.2;
override max_position: f32 = 0.6;
override goal_position: f32 = 0.5;

const HILL_SEGMENTS: u32 = 32u;
// The hill, the flag pole, the flag, the car body, two wheels.
const ENV_SHAPES: u32 = 37u;

// Gymnasium's car is 40 × 20 px, its flag 50 px tall, at 333 px per unit.
const CAR_HALF_LENGTH: f32 = 0.06;
const CAR_HALF_HEIGHT: f32 = 0.03;
const WHEEL_RADIUS: f32 = 0.017;
const FLAG_HEIGHT: f32 = 0.15;

fn hill(x: f32) -> f32 {
  return 0.45 * sin(3.0 * x) + 0.55;
}

fn env_shape(env: u32, i: u32) -> Shape {
  if (i < HILL_SEGMENTS) {
    let run = (max_position - min_position) / f32(HILL_SEGMENTS);
    let x0 = min_position + f32(i) * run;
    let x1 = x0 + run;
    return segment(vec2f(x0, hill(x0)), vec2f(x1, hill(x1)), 0.008, rgb(150.0, 156.0, 170.0));
  }
  let flag_foot = vec2f(goal_position, hill(goal_position));
  let position = state(env, 0u);
  // The slope's direction and normal at the car, equal scales on both axes.
  let along = normalize(vec2f(1.0, 1.35 * cos(3.0 * position)));
  let up = vec2f(-along.y, along.x);
  let ground = vec2f(position, hill(position));
  let body = ground + up * (2.0 * WHEEL_RADIUS + CAR_HALF_HEIGHT * 0.6);
  switch (i - HILL_SEGMENTS) {
    case 0u: { return segment(flag_foot, flag_foot + vec2f(0.0, FLAG_HEIGHT), 0.005, rgb(200.0, 200.0, 200.0)); }
    case 1u: {
      return rect(flag_foot + vec2f(0.0, FLAG_HEIGHT - 0.045), flag_foot + vec2f(0.08, FLAG_HEIGHT), rgb(230.0, 200.0, 40.0));
    }
    case 2u: { return segment(body - along * CAR_HALF_LENGTH, body + along * CAR_HALF_LENGTH, CAR_HALF_HEIGHT, rgb(90.0, 170.0, 240.0)); }
    case 3u: { return disc(ground + up * WHEEL_RADIUS - along * 0.035, WHEEL_RADIUS, rgb(220.0, 220.0, 220.0)); }
    default: { return disc(ground + up * WHEEL_RADIUS + along * 0.035, WHEEL_RADIUS, rgb(220.0, 220.0, 220.0)); }
  }
}
