#!/usr/bin/env node
/**
 * The package as a game team meets it (`npm run test:consumer`, run by CI after `npm test`):
 *
 * 1. `npm pack` the built library; print the tarball's size and files.
 * 2. Install it into a fresh project (test/consumer/) with Vite and TypeScript, from the tarball
 *    and npm's cache (packages the repository's own install already fetched): Dawn's `webgpu` must
 *    not come along.
 * 3. Type-check the game against the package with `--strict`, under `moduleResolution: bundler`
 *    and `nodenext`.
 * 4. Build the page with Vite; print every chunk's size; run it in headless Chromium, where it
 *    trains the game for two iterations, acts, autosaves to IndexedDB and loads back; the
 *    JavaScript the page loaded must be at most BUDGET_GZIP bytes gzipped. A second page trains
 *    in dedicated workers (the package's own worker on CartPole-v1, and the game's worker script
 *    serving its JavaScript env), each bundled by the game's Vite build.
 * 5. The Node entry: without `webgpu` it names the package to install; in a browser bundle
 *    (`--conditions=browser`) it names the entry to use; `webgpu-rl/mujoco` without
 *    `@mujoco/mujoco` names that package; with `webgpu` installed, a plain Node ESM script trains
 *    one iteration, another trains on `webgpu-rl/games`' ConnectFour-v0 and plays matches (both
 *    type-checked under `nodenext`), and the installed `webgpu-rl` command runs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer';

/**
 * The most JavaScript (gzip -9) a page that trains PPO on a JavaScript env and acts may load. 90 kB
 * until action masks, episode metrics, multi-discrete heads, pipelined host stepping and Snake-v0
 * came in (the page grew from 84.1 to 96.1 kB); 100 kB until hybrid action spaces (act()'s hybrid
 * path, the host envs' hybrid rows and checks) and the multi-discrete and hybrid Demonstrations
 * (which Agent.recordDemonstrations keeps in every Agent page) took it to 102.2 kB. The CPU policy
 * (agent.policy()) and train()'s periodic evaluation load on first use, so such a page does not
 * carry them (101.8 kB once they were in the package; 103.0 kB with save() at any time, the worker
 * agent and asynchronous host envs in it). 105 kB until games with seats: their contract, the
 * config's seat mapping and its checks load with every page (105.2 kB; the rows themselves,
 * src/envs/seat-rows.ts, only with a game that has seats). 107 with the fused rollout steps and the
 * update on the joint parameter vector: the rollout's choice of steps, the networks' parameter
 * slots and the adapter registry load with every page (106.3 kB; the fused steps' kernel and code,
 * src/rollout/fused-steps.ts, only with a WGSL env that fuses). What to load lazily next to win some back:
 * the built-in envs' WGSL, which a game on its own JavaScript env never runs, and Demonstrations'
 * validation, which a page that records nothing never calls.
 */
const BUDGET_GZIP = 107 * 1024;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'webgpu-rl-consumer-'));
const game = join(work, 'game');
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** The version of a package the repository itself installed, so the consumer's install hits npm's cache. */
function installedVersion(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function step(title) {
  console.log(`\n[consumer] ${title}`);
}

/** Runs `node -e code` in the game project; returns its combined output and exit status. */
function nodeEval(code, extraArgs = []) {
  try {
    return { ok: true, output: run(process.execPath, [...extraArgs, '--input-type=module', '-e', code], { cwd: game }) };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` };
  }
}

function expectFailure(what, result, pattern) {
  if (result.ok || !pattern.test(result.output)) {
    throw new Error(`${what}: expected a failure matching ${pattern}, got ${result.ok ? 'success' : 'another error'}:\n${result.output}`);
  }
  console.log(`${what}: ${result.output.match(pattern)[0]}`);
}

function pack() {
  step('npm pack');
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root }));
  console.log(`${info.filename}: ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
  for (const file of info.files) console.log(`  ${file.path} ${kib(file.size)}`);
  return join(work, info.filename);
}

function installInto(tarball) {
  step('install into a fresh project');
  cpSync(join(root, 'test', 'consumer'), game, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(game, 'package.json'), 'utf8'));
  manifest.dependencies = { 'webgpu-rl': `file:${tarball}` };
  manifest.devDependencies = Object.fromEntries(['typescript', 'vite', '@types/node'].map((name) => [name, installedVersion(name)]));
  writeFileSync(join(game, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: game });
  let dawn = false;
  try {
    dawn = statSync(join(game, 'node_modules', 'webgpu')).isDirectory();
  } catch {
    dawn = false;
  }
  if (dawn) throw new Error("installing webgpu-rl installed Dawn's 'webgpu' package: it must stay an optional peer");
  if (existsSync(join(game, 'node_modules', '@mujoco', 'mujoco'))) throw new Error("installing webgpu-rl installed '@mujoco/mujoco': it must stay an optional peer");
  console.log("installed; Dawn's 'webgpu' and '@mujoco/mujoco' were not installed (optional peers)");
}

function typeCheck() {
  for (const config of ['tsconfig.json', 'tsconfig.nodenext.json']) {
    step(`tsc --strict -p ${config}`);
    run(process.execPath, [join(game, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { cwd: game });
    console.log('no errors');
  }
}

function buildPage() {
  step('vite build');
  run(process.execPath, [join(game, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: game });
  run(process.execPath, [join(game, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.worker.config.ts', '--logLevel', 'warn'], { cwd: game });
  const assets = join(game, 'dist', 'assets');
  const chunks = readdirSync(assets).filter((name) => name.endsWith('.js'));
  for (const name of chunks) {
    const bytes = readFileSync(join(assets, name));
    console.log(`  ${name}: ${kib(bytes.length)} minified, ${kib(gzipSync(bytes, { level: 9 }).length)} gzip`);
  }
  return join(game, 'dist');
}

const CONTENT_TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

function serve(dir) {
  const server = createServer((request, response) => {
    const path = join(dir, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    try {
      const file = statSync(path).isDirectory() ? join(path, 'index.html') : path;
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(readFileSync(file));
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready(server)));
}

async function runPage(dist) {
  step('run the page in headless Chromium');
  // The package's own recipe for a WebGPU adapter in headless Chromium, as a game's tests would use it.
  const { headlessChromium } = await import(join(game, 'node_modules', 'webgpu-rl', 'dist', 'node.js'));
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const launch = headlessChromium({ executablePath });
  const server = await serve(dist);
  const loaded = new Map();
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath, headless: true, args: launch.args, env: launch.env });
    const page = await browser.newPage();
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.endsWith('.js')) loaded.set(url.pathname, readFileSync(join(dist, url.pathname)));
    });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('result')?.textContent !== 'running', { timeout: 300_000 });
    const text = await page.$eval('#result', (element) => element.textContent);
    if (!text.startsWith('{')) throw new Error(`the page failed: ${text}`);
    const report = JSON.parse(text);
    console.log(`page: ${text}`);
    if (report.iterations !== 2 || report.lastStep !== 256) throw new Error('the page did not train two iterations of 8 × 16 steps');
    if (report.actions.length !== 3 || report.actions.some((a) => a !== 0 && a !== 1)) throw new Error('act() returned no valid actions');
    if (report.loadedIteration !== 2) throw new Error(`the agent loaded from IndexedDB is at iteration ${report.loadedIteration}, not 2`);
    if (JSON.stringify(report.reloadedActions) !== JSON.stringify(report.actions)) throw new Error('the loaded agent acts differently from the saved one');
  } finally {
    await browser?.close();
    server.close();
  }
  const gzip = [...loaded.values()].reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
  console.log(`the page loaded ${loaded.size} JavaScript files: ${kib(gzip)} gzip (budget ${kib(BUDGET_GZIP)}): ${[...loaded.keys()].join(', ')}`);
  if (gzip > BUDGET_GZIP) throw new Error(`the page's JavaScript is ${kib(gzip)} gzip, over the budget of ${kib(BUDGET_GZIP)}`);
}

/** The worker page, built apart (vite.worker.config.ts): its JavaScript is not the game page's. */
async function runWorkerPage() {
  step('run the worker page in headless Chromium');
  const { headlessChromium } = await import(join(game, 'node_modules', 'webgpu-rl', 'dist', 'node.js'));
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const launch = headlessChromium({ executablePath });
  const server = await serve(join(game, 'dist-worker'));
  const browser = await puppeteer.launch({ executablePath, headless: true, args: launch.args, env: launch.env });
  try {
    await checkWorkerPage(browser, `http://127.0.0.1:${server.address().port}/worker.html`);
  } finally {
    await browser.close();
    server.close();
  }
}

async function checkWorkerPage(browser, url) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`worker page error: ${error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.getElementById('result')?.textContent !== 'running', { timeout: 300_000 });
  const text = await page.$eval('#result', (element) => element.textContent);
  if (!text.startsWith('{')) throw new Error(`the worker page failed: ${text}`);
  console.log(`worker page: ${text}`);
  const report = JSON.parse(text);
  for (const [name, run] of Object.entries(report)) {
    if (run.iterations !== 2 || run.lastStep !== 256) throw new Error(`the ${name} worker did not train two iterations of 8 × 16 steps`);
    if (run.actions.length !== 3 || JSON.stringify(run.cpuActions) !== JSON.stringify(run.actions)) throw new Error(`the ${name} worker's CPU policy acts differently from its act()`);
  }
  await page.close();
}

function nodeEntry() {
  step('the Node entry');
  expectFailure(
    "without 'webgpu'",
    nodeEval("const { Agent } = await import('webgpu-rl/node'); await Agent.create({ env: 'CartPole-v1' });"),
    /npm install webgpu@[\d.]+/,
  );
  expectFailure("in a browser bundle ('browser' condition)", nodeEval("await import('webgpu-rl/node');", ['--conditions=browser']), /in a browser import from 'webgpu-rl' instead/);
  expectFailure(
    "'webgpu-rl/mujoco' without '@mujoco/mujoco'",
    nodeEval("const { hopperV5 } = await import('webgpu-rl/mujoco'); await hopperV5();"),
    /webgpu-rl\/mujoco needs MuJoCo's WebAssembly bindings: npm install @mujoco\/mujoco/,
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `webgpu@${installedVersion('webgpu')}`], { cwd: game });
  const output = run(process.execPath, ['src/train-one.mjs'], { cwd: game });
  const line = output.trim().split('\n').at(-1);
  const stats = JSON.parse(line);
  if (stats.globalStep !== 128 || !stats.valueLossFinite) throw new Error(`the Node consumer did not train one iteration: ${output}`);
  console.log(`plain Node ESM trained one iteration: ${line}`);
  const games = JSON.parse(run(process.execPath, ['src/games.mjs'], { cwd: game }).trim().split('\n').at(-1));
  if (games.env !== 'ConnectFour-v0' || games.games !== 6) throw new Error(`the games entry did not train and play: ${JSON.stringify(games)}`);
  console.log(`webgpu-rl/games from plain Node: trained on ${games.env} and played ${games.games} games against lookahead`);
  const version = run(join(game, 'node_modules', '.bin', 'webgpu-rl'), ['--version'], { cwd: game }).trim();
  if (version !== stats.version) throw new Error(`the installed CLI says ${version}, the package ${stats.version}`);
  console.log(`the installed CLI runs: webgpu-rl --version → ${version}`);
}

try {
  const tarball = pack();
  installInto(tarball);
  typeCheck();
  await runPage(buildPage());
  await runWorkerPage();
  nodeEntry();
  console.log('\n[consumer] ok');
} catch (error) {
  console.error(`\n[consumer] FAILED: ${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
