/**
 * Two ways a test passes whatever the code does, found by reading every test file's syntax tree:
 * - an async assertion (`expect(…).resolves` / `.rejects`) that is neither awaited nor returned:
 *   the test can end before it settles (Vitest 4 still awaits it at the end, with a warning; the
 *   next major fails such a test, https://vitest.dev/api/expect.html#rejects);
 * - a self-comparison, `expect(x).toBe(x)` / `toEqual` / `toStrictEqual` with the same expression
 *   on both sides.
 * Each checker is first shown to flag a bad snippet and pass the fixed one, so this test can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));

function parse(source: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
}

function where(file: ts.SourceFile, node: ts.Node): string {
  return `${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
}

/** The `expect(…)` call at the root of a matcher chain such as `expect(a).not.toBe(b)`, if any. */
function expectCallOf(node: ts.Expression): ts.CallExpression | undefined {
  let e: ts.Expression = node;
  while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) {
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'expect') return e;
    e = e.expression;
  }
  return undefined;
}

/** Whether the value of `node` reaches the test's runner: awaited, returned, or inside Promise.all(…) that is. */
function settled(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isAwaitExpression(parent) || ts.isReturnStatement(parent)) return true;
  if (ts.isArrowFunction(parent) && parent.body === node) return true;
  if (ts.isParenthesizedExpression(parent)) return settled(parent);
  if (ts.isArrayLiteralExpression(parent) && ts.isCallExpression(parent.parent) && /^Promise\.(all|allSettled)$/.test(parent.parent.expression.getText())) {
    return settled(parent.parent);
  }
  return false;
}

function unawaitedAsyncAssertions(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && (node.name.text === 'resolves' || node.name.text === 'rejects') && expectCallOf(node.expression)) {
      // Climb to the end of the chain: expect(p).rejects.toThrow(…) as a whole.
      let chain: ts.Node = node;
      while (
        (ts.isPropertyAccessExpression(chain.parent) && chain.parent.expression === chain) ||
        (ts.isCallExpression(chain.parent) && chain.parent.expression === chain)
      ) {
        chain = chain.parent;
      }
      if (!settled(chain)) found.push(`${where(file, node)}: .${node.name.text} neither awaited nor returned`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const EQUALITY_MATCHERS = new Set(['toBe', 'toEqual', 'toStrictEqual']);

function selfComparisons(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const text = (node: ts.Node) => node.getText(file).replace(/\s+/g, '');
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && EQUALITY_MATCHERS.has(node.expression.name.text)) {
      const subject = expectCallOf(node.expression.expression);
      const actual = subject?.arguments[0];
      const expected = node.arguments[0];
      if (actual && expected && text(actual) === text(expected)) found.push(`${where(file, node)}: expect(${actual.getText(file)}) compared with itself`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function testFiles(): string[] {
  return (readdirSync(TEST_ROOT, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(TEST_ROOT, f));
}

describe('test hygiene', () => {
  it('the checkers flag the bad forms and pass the fixed ones', () => {
    const bad = parse(
      [
        "it('a', async () => {",
        '  expect(() => agent.train().next()).rejects.toThrow("after destroy()");',
        '  const pending = expect(load()).resolves.toBe(1);',
        '  expect(report.workgroups).toEqual(report.workgroups);',
        '  expect(a.b).not.toBe(a .b);',
        '});',
      ].join('\n'),
      'bad.ts',
    );
    expect(unawaitedAsyncAssertions(bad)).toEqual(['bad.ts:2: .rejects neither awaited nor returned', 'bad.ts:3: .resolves neither awaited nor returned']);
    expect(selfComparisons(bad)).toEqual(['bad.ts:4: expect(report.workgroups) compared with itself', 'bad.ts:5: expect(a.b) compared with itself']);
    const good = parse(
      [
        "it('a', async () => {",
        '  await expect(() => agent.train().next()).rejects.toThrow("after destroy()");',
        '  await Promise.all([expect(load()).resolves.toBe(1), expect(save()).rejects.toThrow()]);',
        '  expect(report.workgroups).toEqual([50_002, 2]);',
        '});',
        "it('b', () => expect(load()).resolves.toBe(1));",
        "it('c', () => { return (expect(load()).rejects.toThrow()); });",
      ].join('\n'),
      'good.ts',
    );
    expect(unawaitedAsyncAssertions(good)).toEqual([]);
    expect(selfComparisons(good)).toEqual([]);
  });

  it('no test file under test/ has either', () => {
    const files = testFiles();
    // This file's bad snippets are string literals, which the scan does not parse as code.
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((path) => {
      const file = parse(readFileSync(path, 'utf8'), relative(join(TEST_ROOT, '..'), path));
      return [...unawaitedAsyncAssertions(file), ...selfComparisons(file)];
    });
    expect(found).toEqual([]);
  });
});
