/**
 * Node side of the browser peers: starts the Vite dev server and headless Chromium
 * (test/support/browser.ts; flags and environment from src/node/headless-chromium.ts), opens
 * bench/browser/tfjs-webgpu.html at one N, and returns the engine's and TF.js-WebGPU's numbers
 * from the same page, adapter and load. Learning is judged as for every peer
 * (bench/peers/learning.ts judgePeerRun).
 */
import { headlessChromium } from '../../src/node/headless-chromium';
import { CHROMIUM, startBrowserSession } from '../../test/support/browser';
import type { PeerResult, PeerRunner, PeerRunOptions } from '../ppo/peer';
import { judgePeerRun, PEER_LEARNING, peerIterations, type LearningMemory } from '../peers/learning';
import type { BrowserPeerRun } from './tfjs-webgpu';

export interface BrowserPeerOptions extends PeerRunOptions {
  readonly seed?: number; // 1
  /** Chromium on SwiftShader (default: true, this workplace has no GPU). */
  readonly software?: boolean;
  /** Give up on the page after this long (default 15 minutes). */
  readonly pageTimeoutMs?: number;
  /** Progress lines from the page. */
  readonly log?: (line: string) => void;
  /** Run TF.js-WebGPU beyond N = 64 on a software adapter too (default: only on hardware). */
  readonly tfjsAtLargeN?: boolean;
}

const NAMES: Record<BrowserPeerRun['peer'], string> = { ours: 'webgpu-rl (Chromium)', 'tfjs-webgpu': 'TF.js WebGPU (Chromium)' };

/**
 * What one page runs. On SwiftShader a TF.js-WebGPU iteration took 71 s at N = 64 (numSteps 128,
 * two shared cores, load 4–6), so: at N = 64 it runs a warm-up and one timed iteration and is
 * cross-checked against TF.js's CPU backend in the same page (the CPU peer's N = 64 run shows the
 * learning); beyond N = 64 it is not run on a software adapter (its one iteration would take
 * about ten minutes; `software: false` runs it). The engine runs 12 iterations at N = 64 (its own
 * learning) and a warm-up plus one timed iteration beyond. Quick: 16 steps, one timed iteration.
 */
export function browserPlan(numEnvs: number, quick: boolean, software: boolean, tfjsAtLargeN = !software) {
  const tfjs = quick || numEnvs <= 64 || tfjsAtLargeN;
  return {
    numSteps: quick ? 16 : 128,
    oursIterations: quick ? 2 : peerIterations(numEnvs, false),
    tfjsIterations: tfjs ? 2 : 0,
    crossCheck: !quick && numEnvs <= 64,
  };
}

/** Runs the engine and (where planned) TF.js-WebGPU in one page at options.numEnvs; one PeerResult each (ours first). */
export async function runBrowserPeers(options: BrowserPeerOptions, memory: LearningMemory = PEER_LEARNING): Promise<PeerResult[]> {
  const { numEnvs, quick, seed = 1 } = options;
  const software = options.software ?? true;
  const log = options.log ?? (() => {});
  const plan = browserPlan(numEnvs, quick, software, options.tfjsAtLargeN ?? !software);
  const peers = plan.tfjsIterations > 0 ? 'ours,tfjs-webgpu' : 'ours';
  const session = await startBrowserSession(headlessChromium({ adapter: software ? 'software' : 'hardware', executablePath: CHROMIUM }));
  try {
    const page = await session.openPage(
      `/bench/browser/tfjs-webgpu.html?numEnvs=${numEnvs}&numSteps=${plan.numSteps}&oursIterations=${plan.oursIterations}` +
        `&tfjsIterations=${plan.tfjsIterations}&crossCheck=${plan.crossCheck ? 1 : 0}&seed=${seed}&peers=${peers}`,
    );
    let seen = 0;
    const timer = setInterval(() => {
      void page
        .evaluate(() => window.__peers === undefined ? (document.getElementById('result')?.textContent ?? '') : '')
        .then((text) => {
          const lines = text.split('\n').filter((line) => line.includes('iteration'));
          for (const line of lines.slice(seen)) log(`  ${line}`);
          seen = Math.max(seen, lines.length);
        })
        .catch(() => {});
    }, 2000);
    try {
      // Poll with short evaluations: one waitForFunction is a single CDP call, cut at Puppeteer's
      // 180 s protocol timeout however long its own timeout is.
      const deadline = performance.now() + (options.pageTimeoutMs ?? 15 * 60_000);
      while (!(await page.evaluate(() => window.__peers !== undefined))) {
        if (performance.now() > deadline) throw new Error(`bench page (N = ${numEnvs}) did not finish in ${options.pageTimeoutMs ?? 15 * 60_000} ms`);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    } finally {
      clearInterval(timer);
    }
    const outcome = (await page.evaluate(() => window.__peers))!;
    await page.close();
    if (outcome.error) throw new Error(`bench page (N = ${numEnvs}) failed: ${outcome.error}`);
    if (session.errors.length > 0) throw new Error(`bench page (N = ${numEnvs}) logged errors: ${session.errors.join('; ')}`);
    return (outcome.runs ?? []).map((run) => {
      const crossCheck = run.cpuReturnsByIteration ? { peer: 'tfjs-cpu', returnsByIteration: run.cpuReturnsByIteration } : undefined;
      const { learned, notes } = judgePeerRun(run.peer, { ...run, quick }, memory, crossCheck);
      const seconds = run.secondsByIteration ? ` (${run.secondsByIteration.map((s) => s.toFixed(1)).join(', ')} s)` : '';
      return {
        name: NAMES[run.peer],
        numEnvs,
        sps: run.stepsPerSecond,
        learned,
        iterations: run.iterations,
        returnsByIteration: run.returnsByIteration,
        notes: `${run.iterations - 1} timed iteration(s) after 1 warm-up${seconds}${quick ? ', numSteps 16 (quick)' : ''}; ${notes}; adapter ${run.adapter}`,
      };
    });
  } finally {
    await session.close();
  }
}

/**
 * The suite's runner (bench/ppo/peer.ts): TF.js-WebGPU's row, with the engine's SPS from the same page
 * (same browser, adapter and load) as the number its ratio is taken against, since the suite's own
 * webgpu-rl number comes from Node's Dawn. Where TF.js-WebGPU is not run (see browserPlan) it throws with
 * the reason and the engine's number, which the suite records as a note.
 */
export const tfjsWebgpuPeer: PeerRunner = {
  name: 'TF.js WebGPU (Chromium)',
  async run(options) {
    const rows = await runBrowserPeers({ ...options, log: (line) => console.log(line), ...(options.exhaustive ? { tfjsAtLargeN: true } : {}) });
    const tfjs = rows.find((r) => r.name === NAMES['tfjs-webgpu']);
    const ours = rows.find((r) => r.name === NAMES.ours);
    if (!ours) throw new Error(`the bench page returned ${rows.map((r) => r.name).join(', ') || 'no runs'}`);
    const oursText = `webgpu-rl in the same page: ${Math.round(ours.sps).toLocaleString('en-US')} SPS (learned: ${ours.learned}; ${ours.notes})`;
    if (!tfjs) {
      throw new Error(`not run at N = ${options.numEnvs} on a software adapter (minutes per iteration; \`--exhaustive\` runs it); ${oursText}`);
    }
    return { ...tfjs, notes: `${tfjs.notes}; ${oursText}`, webgpuRlBeside: { sps: ours.sps, where: 'same page' } };
  },
};
