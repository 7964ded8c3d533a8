/**
 * The import graph of src/: no file imports itself through a cycle, and no layer imports a layer
 * above it. The order, lowest first, is the one docs/ARCHITECTURE.md draws; a folder of src/ that
 * is not listed here fails the test, so a new layer is placed deliberately.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The layers of src/, lowest first: each may import its own and those before it. */
export const LAYERS = [
  'version.ts', // the engine version, a constant
  'gpu', // device, kernels, buffers, dispatch, readback, reductions, shader assembly
  'rng', // Philox kernels and their CPU twin
  'nn', // MLP spec and passes, heads, optimiser
  'envs', // env contract, registry, vector env, built-in / custom / JavaScript envs
  'mujoco', // MuJoCo locomotion envs (BatchedHostEnv factories), loaded only through webgpu-rl/mujoco
  'normalise', // running observation and reward normalisers
  'returns', // reward-to-go, GAE, baselines, advantage normalisation
  'losses', // policy-gradient losses, statistics, KL controls, ESS
  'rollout', // transition buffers and the rollout encoder
  'train', // the iteration loop, the actor-critic scaffold, report, NaN guard, checkpoint format
  'algos', // one folder per algorithm, with its config and its own kernels
  'export', // ONNX export
  'persistence', // checkpoint stores and sinks
  'agent', // the game-facing Agent
  'games', // two-player games (ConnectFour-v0), matches against scripted opponents, Elo; loaded only through webgpu-rl/games
  'worker', // the Agent in a dedicated worker (WorkerAgent, its host), createAgent choosing the thread
  'node', // Node-only: Dawn, checkpoint files, the headless-Chromium recipe
  'cli', // the webgpu-rl command
  'index.ts', // the package's entries
  'node.ts',
  'node-browser.ts',
  'engine.ts',
  'mujoco.ts',
  'games.ts',
] as const;

const SRC = fileURLToPath(new URL('../../src', import.meta.url)).replace(/\/$/, '');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every specifier a file imports, statically or by import() with a literal. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Relative specifiers a file imports, resolved to files of src/. */
function importsOf(file: string): string[] {
  return specifiersOf(file)
    .filter((s) => s.startsWith('.') && !s.endsWith('.wgsl') && !s.includes('?'))
    .map((s) => {
      const base = resolve(dirname(file), s);
      const candidates = [base, `${base}.ts`, join(base, 'index.ts')];
      const found = candidates.find((c) => {
        try {
          return statSync(c).isFile();
        } catch {
          return false;
        }
      });
      if (!found) throw new Error(`${relative(SRC, file)} imports '${s}', which is no file`);
      return found;
    });
}

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('layers of src/', () => {
  it('places every folder and root file of src/ in a layer', () => {
    const unplaced = [...new Set(files.map(layerOf))].filter((layer) => !(LAYERS as readonly string[]).includes(layer));
    expect(unplaced).toEqual([]);
  });

  it('imports only from its own layer or a lower one, and never outside src/', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const rel = relative(SRC, target);
        if (rel.startsWith('..')) {
          upward.push(`${relative(SRC, file)} → ${rel} (outside src/)`);
          continue;
        }
        const from = LAYERS.indexOf(layerOf(file) as never);
        const to = LAYERS.indexOf(layerOf(target) as never);
        if (to > from) upward.push(`${relative(SRC, file)} → ${rel} (${layerOf(file)} is below ${layerOf(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    // Tarjan's strongly connected components; any of more than one file is a cycle.
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const connect = (v: string): void => {
      indices.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!indices.has(w)) {
          connect(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(relative(SRC, w));
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!indices.has(v)) connect(v);
    expect(cycles).toEqual([]);
  });

  it("reaches no Node module, no Dawn, no MuJoCo and no board game from the browser entry (src/index.ts), dynamic imports included", () => {
    const seen = new Set<string>();
    const pending = [join(SRC, 'index.ts')];
    const offenders: string[] = [];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of specifiersOf(file)) {
        if (/^node:/.test(specifier) || specifier === 'webgpu' || specifier.startsWith('@mujoco/')) offenders.push(`${relative(SRC, file)} imports '${specifier}'`);
      }
      pending.push(...graph.get(file)!);
    }
    // The locomotion envs and the board games are entries of their own: a game without them must not load their code.
    for (const file of seen) if (layerOf(file) === 'mujoco' || layerOf(file) === 'games') offenders.push(`the root reaches ${relative(SRC, file)}`);
    expect(offenders).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });
});
