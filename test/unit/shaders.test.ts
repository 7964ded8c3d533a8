import { describe, expect, it } from 'vitest';
import { assembleShader, locate, shaderFile, shaderFileNames } from '../../src/gpu/shaders';
import { parseWgslBindings } from '../../src/gpu/wgsl-bindings';

describe('shader assembly', () => {
  it('concatenates parts in order, once each, and maps lines back to their part', () => {
    const a = { name: 'a.wgsl', code: 'fn a() {}\nfn a2() {}\n' };
    const b = { name: 'b.wgsl', code: 'fn b() {}\r\nfn b2() {}' };
    const shader = assembleShader([a, b, a]);
    expect(shader.code).toBe('fn a() {}\nfn a2() {}\nfn b() {}\nfn b2() {}\n');
    expect(locate(shader, 1)).toEqual({ part: 'a.wgsl', line: 1 });
    expect(locate(shader, 3)).toEqual({ part: 'b.wgsl', line: 1 });
    expect(locate(shader, 4)).toEqual({ part: 'b.wgsl', line: 2 });
    expect(locate(shader, 9)).toEqual({ part: '<assembled>', line: 9 });
  });

  it('finds the WGSL files under shaders/ by relative path', () => {
    expect(shaderFileNames()).toContain('runtime/axpy.wgsl');
    expect(shaderFile('common/dispatch.wgsl').code).toContain('fn flat_index');
    expect(() => shaderFile('nope.wgsl')).toThrow(/no WGSL file shaders\/nope.wgsl \(have: .*runtime\/axpy.wgsl/);
  });
});

describe('parseWgslBindings', () => {
  it('reads group, binding, access and line, in either attribute order, ignoring comments', () => {
    const code = [
      '// @group(0) @binding(9) var<storage, read> commented: array<f32>;',
      '@group(0) @binding(0) var<uniform> params: Params;',
      '@binding(1) @group(0) var<storage, read> x: array<f32>;',
      '/* @group(0) @binding(8) var<storage> hidden: f32; */',
      '@group(0)',
      '  @binding(2) var<storage, read_write> y: array<f32>;',
      '@group(1) @binding(0) var<storage> z: array<u32>;',
    ].join('\n');
    expect(parseWgslBindings(code)).toEqual([
      { group: 0, binding: 0, name: 'params', access: 'uniform', line: 2 },
      { group: 0, binding: 1, name: 'x', access: 'read', line: 3 },
      { group: 0, binding: 2, name: 'y', access: 'read_write', line: 5 },
      // `var<storage>` with no access mode is read-only in WGSL.
      { group: 1, binding: 0, name: 'z', access: 'read', line: 7 },
    ]);
  });
});
