/**
 * Reads the resource declarations of a WGSL module (`@group(0) @binding(2) var<storage, read> x`),
 * so that a kernel spec's bindings can be checked against the shader it claims to describe.
 */

/** How a kernel sees a buffer. */
export type BindingAccess = 'uniform' | 'read' | 'read_write';

export interface WgslBinding {
  group: number;
  binding: number;
  name: string;
  access: BindingAccess;
  /** 1-based line in the WGSL text. */
  line: number;
}

const DECLARATION =
  /@(group|binding)\s*\(\s*(\d+)\s*\)\s*@(group|binding)\s*\(\s*(\d+)\s*\)\s*var\s*<\s*([a-z_]+)\s*(?:,\s*([a-z_]+)\s*)?>\s*([A-Za-z_][A-Za-z0-9_]*)/g;

function stripComments(code: string): string {
  // Keep newlines so line numbers survive; WGSL block comments nest, but none of ours do.
  return code
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '');
}

/** Every `var<uniform>` / `var<storage, …>` declaration with a group and binding, in text order. */
export function parseWgslBindings(code: string): WgslBinding[] {
  const text = stripComments(code);
  const found: WgslBinding[] = [];
  for (const match of text.matchAll(DECLARATION)) {
    const [, firstAttr, firstValue, , secondValue, space, mode, name] = match;
    const group = Number(firstAttr === 'group' ? firstValue : secondValue);
    const binding = Number(firstAttr === 'group' ? secondValue : firstValue);
    let access: BindingAccess;
    if (space === 'uniform') access = 'uniform';
    else if (space === 'storage') access = mode === 'read_write' ? 'read_write' : 'read';
    else throw new Error(`unsupported address space var<${space}> for ${name} in WGSL`);
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ group, binding, name: name!, access, line });
  }
  return found;
}
