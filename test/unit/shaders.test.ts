import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { stripWgslComments } from '../../scripts/vite-plugin-wgsl.ts';
import { assembleShader, locate } from '../../src/gpu/shaders';
import { parseWgslBindings } from '../../src/gpu/wgsl-bindings';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';

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

  it('imports a WGSL file as a part named by its path under shaders/, comments gone, lines kept', () => {
    const source = readFileSync(new URL('../../shaders/common/dispatch.wgsl', import.meta.url), 'utf8');
    expect(dispatchWgsl.name).toBe('common/dispatch.wgsl');
    expect(dispatchWgsl.code).toContain('fn flat_index');
    expect(source).toMatch(/\/\//);
    expect(dispatchWgsl.code).not.toMatch(/\/\/|\/\*/);
    expect(dispatchWgsl.code.split('\n').length).toBe(source.split('\n').length);
  });

  it('strips line and nested block comments, keeping every newline', () => {
    const code = ['let a = 1; // one', '/* two', '   /* nested */ still', '*/ let b = 2;', '// @group(0) @binding(9) var<storage> c: f32;', 'let d = a/b; '].join('\n');
    expect(stripWgslComments(code)).toBe(['let a = 1;', '', '', ' let b = 2;', '', 'let d = a/b;'].join('\n'));
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
