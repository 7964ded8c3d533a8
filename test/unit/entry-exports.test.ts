/**
 * The package's entries export exactly the names pinned in test/unit/entry-exports.json (values and
 * types, read by the type checker): widening or narrowing the public API is a deliberate change to
 * that file, reviewed with the code. Also: the package's version is the engine's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../../src/version';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENTRIES = {
  'webgpu-rl': 'src/index.ts',
  'webgpu-rl/node': 'src/node.ts',
  'webgpu-rl/engine': 'src/engine.ts',
  'webgpu-rl/mujoco': 'src/mujoco.ts',
  'webgpu-rl/games': 'src/games.ts',
} as const;
const pinned = JSON.parse(readFileSync(new URL('./entry-exports.json', import.meta.url), 'utf8')) as Record<string, string[]>;

function exportedNames(): Record<string, string[]> {
  const { config } = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(Object.values(ENTRIES).map((file) => `${root}${file}`), options);
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    Object.entries(ENTRIES).map(([entry, file]) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(`${root}${file}`)!)!;
      return [entry, checker.getExportsOfModule(module).map((symbol) => symbol.name).sort()];
    }),
  );
}

describe('package entries', () => {
  it('export exactly the pinned names (update test/unit/entry-exports.json to change the API)', () => {
    const actual = exportedNames();
    for (const entry of Object.keys(ENTRIES)) {
      const added = actual[entry]!.filter((name) => !pinned[entry]!.includes(name));
      const removed = pinned[entry]!.filter((name) => !actual[entry]!.includes(name));
      expect({ entry, added, removed }).toEqual({ entry, added: [], removed: [] });
    }
    console.log(`[entries] ${Object.entries(actual).map(([entry, names]) => `${entry}: ${names.length} names`).join('; ')}`);
  });

  it('the root exports a subset of the Node entry, which adds only Node pieces', () => {
    const nodeOnly = pinned['webgpu-rl/node']!.filter((name) => !pinned['webgpu-rl']!.includes(name));
    expect(pinned['webgpu-rl']!.every((name) => pinned['webgpu-rl/node']!.includes(name))).toBe(true);
    expect(nodeOnly.length).toBeGreaterThan(0);
    expect(pinned['webgpu-rl']!.every((name) => pinned['webgpu-rl/engine']!.includes(name))).toBe(true);
  });

  it("package.json's version is the engine's", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    expect(pkg.version).toBe(ENGINE_VERSION);
  });
});
