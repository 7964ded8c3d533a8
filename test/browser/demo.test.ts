/**
 * The demo page in headless Chromium (SwiftShader where Node's Dawn finds no GPU): it loads without
 * console errors and names its adapter; "Train and watch" trains CartPole with PPO in a worker
 * (the page's defaults) to a mean return of 475 within TIME_TO_475_MS of page time, read from the
 * page's text, the env view drawn (its pixels are not all background) and the page animating
 * meanwhile (requestAnimationFrame intervals: p50 and p95 reported, p95 at most 25 ms); the
 * Break-It Lab trains at least two variants at once; Play records a keyboard game; Connect Four
 * plays a game against the agent and trains it a little; the built site,
 * served by a plain static file server under a sub-path, trains with its numbers updating; and a
 * browser without WebGPU gets the explanation instead of a blank page.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { chromiumLaunch, startBrowserSession, useBrowserSession } from '../support/browser';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface TrainProbe {
  running: boolean;
  iterations: number;
  points: number;
  firstReturn: number | null;
  lastReturn: number | null;
  envViewFrames: number;
  error?: string;
}

interface LabProbe {
  running: boolean;
  variants: string[];
  points: number[];
  lastReturns: number[];
}

interface ConnectFourProbe {
  first: 'you' | 'agent';
  turn: 'you' | 'agent' | null;
  columns: number[];
  lastAgentColumn: number | null;
  result: 'you' | 'agent' | 'draw' | null;
  finished: number;
  ratings: { you: number; agent: number };
  training: boolean;
  iterations: number;
  thread?: string;
  error?: string;
}

/**
 * The 42 cells (row·7 + column, row 0 at the bottom) after `columns` were played in turn from
 * `first`, each disc on its column's lowest empty row: what the board must show. Throws on a move
 * into a full column.
 */
function replayBoard(columns: readonly number[], first: 'you' | 'agent'): string[] {
  const cells = new Array<string>(42).fill('empty');
  columns.forEach((column, move) => {
    const row = [0, 1, 2, 3, 4, 5].find((r) => cells[r * 7 + column] === 'empty');
    if (row === undefined) throw new Error(`move ${move} into the full column ${column}`);
    cells[row * 7 + column] = move % 2 === 0 ? first : first === 'you' ? 'agent' : 'you';
  });
  return cells;
}

/** The board's cells as the page shows them (data-disc by cell index). */
function shownBoard(page: Page): Promise<string[]> {
  return page.$$eval('.c4-cell', (cells) => {
    const shown = new Array<string>(cells.length);
    for (const cell of cells as HTMLElement[]) shown[Number(cell.dataset.cell)] = cell.dataset.disc ?? '?';
    return shown;
  });
}

/** The most page time from Start to a mean return of 475 on CartPole-v1 (PPO, the page's defaults, in a worker). */
const TIME_TO_475_MS = 180_000;

const probeOf = <T>(page: Page, name: string) => page.evaluate((n) => (window.__demo as Record<string, unknown> | undefined)?.[n], name) as Promise<T | undefined>;

/** Starts recording requestAnimationFrame timestamps in the page. */
async function startFrameClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[] };
    w.__frames = [];
    const tick = (t: number) => {
      w.__frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** p50 and p95 of the recorded frame intervals (ms), and how many there were. */
async function frameIntervals(page: Page): Promise<{ p50: number; p95: number; frames: number; longest: number }> {
  const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames);
  const intervals = frames.slice(1).map((t, i) => t - frames[i]!).sort((a, b) => a - b);
  const at = (q: number) => intervals[Math.min(intervals.length - 1, Math.floor(q * intervals.length))]!;
  return { p50: at(0.5), p95: at(0.95), frames: intervals.length, longest: intervals.at(-1)! };
}

/** Pixels of an element's screenshot that differ from its most common colour. */
async function drawnPixels(page: Page, selector: string): Promise<{ drawn: number; total: number }> {
  const element = await page.$(selector);
  const png = await element!.screenshot({ encoding: 'base64' });
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < pixels.length; i += 4) {
      const key = (pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const background = Math.max(...counts.values());
    return { drawn: pixels.length / 4 - background, total: pixels.length / 4 };
  }, png);
}

describe('demo page', () => {
  const browser = useBrowserSession();

  it('loads, names its adapter, trains CartPole with PPO while animating, draws the envs, runs the Break-It Lab, plays Catch', async () => {
    const page = await browser().openPage('/demo/index.html');
    await page.waitForFunction(() => window.__demo?.adapter !== undefined || window.__demo?.error !== undefined || window.__demo?.noWebGpu !== undefined, { timeout: 60_000 });
    const adapter = (await page.evaluate(() => window.__demo?.adapter)) as { line: string } | undefined;
    expect(adapter, JSON.stringify(await page.evaluate(() => window.__demo))).toBeDefined();
    console.log(`[demo] adapter: ${adapter!.line}`);
    expect(await page.$eval('[data-fact="adapter"]', (e) => e.textContent)).toBe(adapter!.line);

    // Train and watch: CartPole-v1 with PPO (the page's defaults, in a worker) to a mean return of
    // 475 over the last 100 episodes, read from the page's text, the frames measured meanwhile.
    await page.select('select[data-role="env"]', 'CartPole-v1');
    await page.select('select[data-role="algo"]', 'ppo');
    expect(await page.$eval('select[data-role="thread"]', (e) => (e as HTMLSelectElement).value)).toBe('worker');
    const started = performance.now();
    await page.click('button[data-action="start"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="global-step"]')?.textContent) > 0, { timeout: 120_000, polling: 250 });
    // From the first reported iteration: the frames while the worker trains, not while it compiles.
    await startFrameClock(page);
    const progress = setInterval(() => {
      void page
        .evaluate(() => `${document.querySelector('[data-testid="global-step"]')?.textContent} steps, return ${document.querySelector('[data-testid="return-mean-100"]')?.textContent}`)
        .then((line) => console.log(`[demo] ${((performance.now() - started) / 1000).toFixed(0)} s: ${line}`), () => undefined);
    }, 15_000);
    try {
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="return-mean-100"]')?.textContent) >= 475, {
        timeout: TIME_TO_475_MS,
        polling: 250,
      });
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;
    const frames = await frameIntervals(page);
    const reached = await page.evaluate(() => ({
      returnMean100: document.querySelector('[data-testid="return-mean-100"]')?.textContent,
      globalStep: document.querySelector('[data-testid="global-step"]')?.textContent,
      status: document.querySelector('.train-status')?.textContent,
    }));
    const train = (await probeOf<TrainProbe>(page, 'train'))!;
    console.log(
      `[demo] PPO CartPole in a worker: mean return ${reached.returnMean100} at step ${reached.globalStep}, ${seconds.toFixed(1)} s after Start ("${reached.status}"); ` +
        `requestAnimationFrame while training: p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, longest ${frames.longest.toFixed(1)} ms over ${frames.frames} frames`,
    );
    expect(train.error).toBeUndefined();
    expect(reached.status).toMatch(/in a worker/);
    expect(seconds).toBeLessThan(TIME_TO_475_MS / 1000);
    expect(frames.frames).toBeGreaterThan(100);
    expect(frames.p95).toBeLessThanOrEqual(25);
    expect(train.envViewFrames).toBeGreaterThan(10);
    const view = await drawnPixels(page, 'canvas[data-role="env-view"]');
    console.log(`[demo] env view: ${view.drawn} of ${view.total} pixels drawn`);
    expect(view.drawn).toBeGreaterThan(view.total * 0.01);
    await page.click('button[data-action="pause"]');
    await page.waitForFunction(() => (window.__demo?.train as TrainProbe | undefined)?.running === false, { timeout: 60_000 });

    // The Break-It Lab: one population of variants, at least two training at once.
    await page.click('[data-tab="lab"]');
    await page.click('button[data-action="lab-start"]');
    await page.waitForFunction(
      () => {
        const lab = window.__demo?.lab as LabProbe | undefined;
        return (lab?.points.filter((p) => p >= 3).length ?? 0) >= 2;
      },
      { timeout: 180_000, polling: 1000 },
    );
    const lab = (await probeOf<LabProbe>(page, 'lab'))!;
    console.log(`[demo] lab: ${lab.variants.map((v, i) => `${v}: ${lab.points[i]} points, ${lab.lastReturns[i]?.toFixed(1)}`).join('; ')}`);
    expect(lab.variants.length).toBeGreaterThanOrEqual(2);
    await page.click('button[data-action="lab-stop"]');

    // Play: a person's game of Catch from the keyboard, recorded as demonstrations.
    await page.click('[data-tab="play"]');
    await page.click('button[data-action="record"]');
    await page.keyboard.down('ArrowRight');
    await page.waitForFunction(() => ((window.__demo?.play as { humanSteps?: number } | undefined)?.humanSteps ?? 0) >= 10, { timeout: 60_000, polling: 200 });
    await page.keyboard.up('ArrowRight');
    const play = (await probeOf<{ humanSteps: number; recordedPairs: number; mode: string }>(page, 'play'))!;
    console.log(`[demo] play: ${play.humanSteps} steps from the keyboard, ${play.recordedPairs} pairs recorded`);
    expect(play.recordedPairs).toBeGreaterThanOrEqual(10);

    // The agent: cloned from the recording, trained in a worker, then playing through its CPU policy.
    type PlayProbe = { cloned: number | null; training: boolean; agentIterations: number; thread?: string; mode: string; agentScore: number | null; error?: string };
    const playProbe = () => probeOf<PlayProbe>(page, 'play');
    await page.click('button[data-action="play-stop"]');
    await page.click('button[data-action="clone"]');
    await page.waitForFunction(() => (window.__demo?.play as { cloned?: number | null } | undefined)?.cloned != null, { timeout: 120_000, polling: 250 });
    await page.click('button[data-action="train-agent"]');
    await page.waitForFunction(() => ((window.__demo?.play as { agentIterations?: number } | undefined)?.agentIterations ?? 0) >= 2, { timeout: 120_000, polling: 250 });
    await page.click('button[data-action="train-agent"]');
    await page.waitForFunction(() => (window.__demo?.play as { training?: boolean } | undefined)?.training === false, { timeout: 60_000, polling: 250 });
    await page.click('button[data-action="watch"]');
    await page.waitForFunction(() => (window.__demo?.play as { mode?: string } | undefined)?.mode === 'watch', { timeout: 60_000, polling: 100 });
    const agentPlay = (await playProbe())!;
    console.log(`[demo] play agent: trains in a ${agentPlay.thread}; cloned NLL ${agentPlay.cloned?.toFixed(3)}, ${agentPlay.agentIterations} iterations, watching`);
    expect(agentPlay.error).toBeUndefined();
    expect(agentPlay.thread).toBe('worker');
    expect(agentPlay.agentIterations).toBeGreaterThanOrEqual(2);
    await page.click('button[data-action="play-stop"]');
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('plays Connect Four: your disc lands in its column, the agent replies with legal columns, a finished game moves the ratings, a round of training runs', async () => {
    const page = await browser().openPage('/demo/index.html?tab=connect-four');
    const c4 = () => probeOf<ConnectFourProbe>(page, 'connectFour');
    const opened = performance.now();
    // The tab's code (and webgpu-rl/games) loads when the tab is shown; you open the first game.
    await page.waitForSelector('button[data-column="3"]', { timeout: 60_000 });
    expect((await c4())!.first).toBe('you');
    await page.click('button[data-column="3"]');
    expect(await page.$eval('.c4-cell[data-cell="3"]', (e) => (e as HTMLElement).dataset.disc)).toBe('you');
    // The agent's first reply waits for its kernels to compile.
    await page.waitForFunction(() => (window.__demo?.connectFour as ConnectFourProbe | undefined)?.turn === 'you', { timeout: 120_000, polling: 100 });
    const firstReply = (performance.now() - opened) / 1000;
    const replied = (await c4())!;
    expect(replied.columns).toHaveLength(2);
    expect(replied.lastAgentColumn).toBe(replied.columns[1]);
    expect(await shownBoard(page)).toEqual(replayBoard(replied.columns, 'you'));

    // Play it out from the leftmost open column; every disc is where the rules put it.
    for (let move = 0; move < 21 && (await c4())!.result === null; move += 1) {
      const column = await page.$eval('.c4-board', (board) => Number(board.querySelector<HTMLButtonElement>('.c4-column:not(:disabled)')!.dataset.column));
      const played = (await c4())!.columns.length;
      await page.click(`button[data-column="${column}"]`);
      await page.waitForFunction(
        (before) => {
          const probe = window.__demo?.connectFour as ConnectFourProbe | undefined;
          return probe !== undefined && (probe.result !== null || (probe.turn === 'you' && probe.columns.length >= before + 2));
        },
        { timeout: 30_000, polling: 50 },
        played,
      );
    }
    const ended = (await c4())!;
    expect(ended.result).not.toBeNull();
    expect(ended.finished).toBe(1);
    expect(await shownBoard(page)).toEqual(replayBoard(ended.columns, 'you'));
    // Elo from 1200 each with K 16: a win moves 8 points from the loser to the winner, a draw none.
    const change = ended.result === 'you' ? 8 : ended.result === 'agent' ? -8 : 0;
    expect(ended.ratings.you).toBeCloseTo(1200 + change, 9);
    expect(ended.ratings.agent).toBeCloseTo(1200 - change, 9);
    const ratings = await page.$eval('[data-role="c4-ratings"]', (e) => e.textContent ?? '');
    expect(ratings).toContain(`you ${1200 + change} · agent ${1200 - change}`);
    const message = await page.$eval('[data-role="c4-message"]', (e) => e.textContent ?? '');
    expect(message).toMatch(ended.result === 'draw' ? /draw/ : ended.result === 'you' ? /You win/ : /agent wins/);

    // The next game: the agent opens.
    await page.click('button[data-action="c4-new"]');
    await page.waitForFunction(() => (window.__demo?.connectFour as ConnectFourProbe | undefined)?.columns.length === 1, { timeout: 30_000, polling: 50 });
    const second = (await c4())!;
    expect(second.first).toBe('agent');
    expect(second.turn).toBe('you');
    expect(await shownBoard(page)).toEqual(replayBoard(second.columns, 'agent'));

    // A round of training (stopped after its first iteration); the agent line shows its progress.
    const trainStarted = performance.now();
    await page.click('button[data-action="c4-train"]');
    await page.waitForFunction(() => ((window.__demo?.connectFour as ConnectFourProbe | undefined)?.iterations ?? 0) >= 1, { timeout: 120_000, polling: 100 });
    const firstIteration = (performance.now() - trainStarted) / 1000;
    await page.click('button[data-action="c4-train"]');
    await page.waitForFunction(() => (window.__demo?.connectFour as ConnectFourProbe | undefined)?.training === false, { timeout: 60_000, polling: 100 });
    const trained = (await c4())!;
    const agentLine = await page.$eval('[data-role="c4-agent"]', (e) => e.textContent ?? '');
    console.log(
      `[demo] connect four: first reply ${firstReply.toFixed(1)} s after opening the tab (agent in a ${trained.thread}); ` +
        `game 1 (${ended.columns.length} moves) ${ended.result}, ratings "${ratings}"; first training iteration ${firstIteration.toFixed(1)} s; "${agentLine}"`,
    );
    expect(trained.error).toBeUndefined();
    expect(trained.thread).toBe('worker');
    expect(trained.iterations).toBeGreaterThanOrEqual(1);
    expect(agentLine).toMatch(/^iteration \d+ · [\d,]+ steps/);
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('built as a static site and served from a plain file server under /games/rl/, trains with its numbers updating', async () => {
    // The test builds the demo itself (vite build --mode demo into a temporary folder, about 10 s
    // here) instead of reading demo-dist/: `npm test` does not build, so demo-dist/ may be missing
    // or older than the source under test, and the check would pass or fail for the wrong build.
    const out = await mkdtemp(join(tmpdir(), 'wgrl-demo-site-'));
    const prefix = '/games/rl/';
    const requests: string[] = [];
    const missing: string[] = [];
    // A plain static file server (no Vite): everything under the prefix is the built site.
    const server = createServer(async (request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      requests.push(path);
      const relativePath = path.startsWith(prefix) ? normalize(path.slice(prefix.length) || 'index.html') : '';
      const file = relativePath && !relativePath.startsWith('..') ? join(out, relativePath) : '';
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      } catch {
        missing.push(path);
        response.writeHead(404).end();
      }
    });
    try {
      const started = performance.now();
      await build({ configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)), mode: 'demo', logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
      console.log(`[demo] static build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const page = await browser().browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
      page.on('pageerror', (error) => void errors.push(String(error)));
      await page.goto(`http://127.0.0.1:${port}${prefix}`, { waitUntil: 'load' });
      await page.waitForFunction(() => window.__demo?.adapter !== undefined || window.__demo?.error !== undefined, { timeout: 60_000 });
      expect(await page.evaluate(() => window.__demo?.error)).toBeUndefined();
      expect(await page.$eval('#tabs', (e) => (e as HTMLElement).hidden)).toBe(false);

      // Train (the page's defaults: PPO on CartPole-v1) and read the numbers the page shows.
      const shown = () =>
        page.evaluate(() => ({
          status: document.querySelector('.train-status')?.textContent ?? '',
          sps: document.querySelector('[data-fact="sps"]')?.textContent ?? '',
        }));
      const iterationOf = (status: string) => Number(/iteration (\d+) of \d+/.exec(status)?.[1] ?? Number.NaN);
      await page.click('button[data-action="start"]');
      await page.waitForFunction(() => /iteration [1-9]\d* of/.test(document.querySelector('.train-status')?.textContent ?? ''), { timeout: 120_000, polling: 250 });
      const first = await shown();
      await page.waitForFunction(
        (before) => Number(/iteration (\d+) of/.exec(document.querySelector('.train-status')?.textContent ?? '')?.[1] ?? 0) >= before + 2,
        { timeout: 120_000, polling: 250 },
        iterationOf(first.status),
      );
      const later = await shown();
      const train = (await probeOf<TrainProbe>(page, 'train'))!;
      console.log(`[demo] static site under ${prefix}: "${first.status}", ${first.sps} SPS → "${later.status}", ${later.sps} SPS; ${train.points} chart points; ${requests.length} requests`);
      expect(iterationOf(later.status)).toBeGreaterThanOrEqual(iterationOf(first.status) + 2);
      expect(later.sps).toMatch(/^\d[\d,]*$/);
      expect(train.points).toBeGreaterThanOrEqual(2);
      expect(train.error).toBeUndefined();
      await page.click('button[data-action="pause"]');
      await page.waitForFunction(() => (window.__demo?.train as TrainProbe | undefined)?.running === false, { timeout: 60_000 });

      // Relative URLs: every request stayed under the sub-path, and every file was there.
      expect(requests.filter((path) => !path.startsWith(prefix))).toEqual([]);
      expect(missing).toEqual([]);
      // webgpu-rl/games comes with the Connect Four tab, not with the page: the build holds its
      // env's WGSL (C4_COLUMNS), but no script the page has fetched so far does.
      const scripts = [...new Set(requests.filter((path) => path.endsWith('.js')))];
      const fetched = await Promise.all(scripts.map(async (path) => ({ path, text: await readFile(join(out, path.slice(prefix.length)), 'utf8') })));
      const built = await Promise.all((await readdir(join(out, 'assets'))).filter((name) => name.endsWith('.js')).map((name) => readFile(join(out, 'assets', name), 'utf8')));
      expect(built.some((text) => text.includes('C4_COLUMNS'))).toBe(true);
      expect(fetched.filter(({ text }) => text.includes('C4_COLUMNS')).map(({ path }) => path)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      server.close();
      await rm(out, { recursive: true, force: true });
    }
  });

  it('explains what to do where WebGPU is missing', async () => {
    const session = await startBrowserSession(chromiumLaunch('none'));
    try {
      const page = await session.openPage('/demo/index.html');
      await page.waitForFunction(() => window.__demo?.noWebGpu !== undefined, { timeout: 60_000 });
      const text = await page.$eval('#no-webgpu', (e) => ((e as HTMLElement).hidden ? '' : e.textContent ?? ''));
      console.log(`[demo] without WebGPU: ${await page.evaluate(() => window.__demo?.noWebGpu)}`);
      expect(text).toContain('WebGPU is not available here');
      expect(text).toMatch(/Chrome or Edge 113/);
      expect(await page.$eval('#tabs', (e) => (e as HTMLElement).hidden)).toBe(true);
      await page.close();
    } finally {
      await session.close();
    }
  });
});
