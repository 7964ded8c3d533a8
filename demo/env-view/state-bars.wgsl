// Any other env (a custom one, whose picture we cannot know): one bar per state float, up from the
// zero line, its height tanh(value) so that any magnitude fits. The first MAX_BARS floats only.

const MAX_BARS: u32 = 16u;
// The zero line, then MAX_BARS bars.
const ENV_SHAPES: u32 = 17u;

fn env_shape(env: u32, i: u32) -> Shape {
  let bars = min(state_size, MAX_BARS);
  if (i == 0u) {
    return segment(vec2f(0.0, 0.0), vec2f(1.0, 0.0), 0.004, rgb(120.0, 126.0, 140.0));
  }
  let bar = i - 1u;
  if (bar >= bars) {
    return hidden();
  }
  let x = (f32(bar) + 0.5) / f32(bars);
  let height = 0.95 * tanh(state(env, bar));
  // Alternating hues tell neighbouring floats apart.
  let colour = select(rgb(90.0, 170.0, 240.0), rgb(226.0, 160.0, 90.0), bar % 2u == 1u);
  return segment(vec2f(x, 0.0), vec2f(x, height), 0.35 / f32(bars), colour);
}
