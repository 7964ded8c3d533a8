/**
 * The assembler that joins include-only WGSL modules (rng, indexing, env bodies) to a kernel's
 * file. The assembled text is what the pipeline cache keys on, and the line map turns a
 * compiler message on assembled line N back into the file and line a person wrote.
 */

/**
 * A named piece of WGSL: a file under shaders/ (imported as a module: `import philoxWgsl from
 * '../../shaders/rng/philox.wgsl'`, see scripts/vite-plugin-wgsl.ts), or a user's custom env body.
 */
export interface ShaderPart {
  /** Shown in compile errors: `rng/philox.wgsl`, or the name a user gave a custom env. */
  readonly name: string;
  /** The WGSL source. */
  readonly code: string;
}

/** Where an assembled line came from. */
export interface SourceLocation {
  part: string;
  line: number;
}

export interface AssembledShader {
  code: string;
  /** lineMap[i] is the origin of assembled line i + 1. */
  lineMap: SourceLocation[];
}

/**
 * Concatenates parts in order (includes first, the kernel's own file last). WGSL declarations are
 * order-independent at module scope, so plain concatenation is enough; a part that is included
 * twice is kept once.
 */
export function assembleShader(parts: readonly ShaderPart[]): AssembledShader {
  const lines: string[] = [];
  const lineMap: SourceLocation[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    if (seen.has(part.name)) continue;
    seen.add(part.name);
    const partLines = part.code.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
    partLines.forEach((text, index) => {
      lines.push(text);
      lineMap.push({ part: part.name, line: index + 1 });
    });
  }
  return { code: `${lines.join('\n')}\n`, lineMap };
}

/** Maps a 1-based assembled line back to its part and line (or to the assembly itself). */
export function locate(shader: AssembledShader, line: number): SourceLocation {
  return shader.lineMap[line - 1] ?? { part: '<assembled>', line };
}
