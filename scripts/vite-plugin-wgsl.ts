/**
 * WGSL files as modules: `import dispatchWgsl from '../../shaders/common/dispatch.wgsl'` gives the
 * ShaderPart `{ name: 'common/dispatch.wgsl', code }` (src/gpu/shaders.ts), so each TypeScript
 * module imports exactly the shaders it uses and a bundle carries no other. Used by every Vite
 * config of the repository (library, demo, tests, benchmarks) and the browser tests' dev server.
 *
 * Comments are stripped from the code (each comment's lines stay as empty lines, so a compiler
 * message's line number still points at the line a person wrote); the kernels under test are the
 * kernels that ship. A `?raw` import of a .wgsl file keeps Vite's own handling (the demo's render
 * shaders use it).
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** The repository's shaders/ folder: part names are paths relative to it. */
const SHADERS_ROOT = resolve(new URL('..', import.meta.url).pathname, 'shaders');

/**
 * Removes `//` and (nested) `/* *\/` comments and trailing blanks, keeping every newline. WGSL has
 * no string literals, so a comment marker is always a comment.
 */
export function stripWgslComments(code: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    const next = code[i + 1];
    if (depth === 0 && c === '/' && next === '/') {
      while (i < code.length && code[i] !== '\n') i++;
      if (i < code.length) out += '\n';
    } else if (c === '/' && next === '*') {
      depth++;
      i++;
    } else if (depth > 0 && c === '*' && next === '/') {
      depth--;
      i++;
    } else if (depth > 0) {
      if (c === '\n') out += '\n';
    } else {
      out += c;
    }
  }
  return out.replace(/[ \t]+$/gm, '');
}

/** The name a .wgsl file is known by in errors and cache keys: `common/dispatch.wgsl`. */
function partName(file: string): string {
  const inShaders = relative(SHADERS_ROOT, file);
  const name = inShaders.startsWith('..') ? relative(process.cwd(), file) : inShaders;
  return name.split(sep).join('/');
}

export function wgslPlugin(): Plugin {
  return {
    name: 'webgpu-rl:wgsl',
    enforce: 'pre',
    async load(id) {
      if (!id.endsWith('.wgsl')) return null;
      const code = stripWgslComments(await readFile(id, 'utf8'));
      this.addWatchFile(id);
      return `export default Object.freeze(${JSON.stringify({ name: partName(id), code })});\n`;
    },
  };
}
