/**
 * headlessChromium (src/node/headless-chromium.ts) without a browser: the flags and environment of
 * each adapter, where SwiftShader's ICD is looked for, and the errors. The distributions' ICD paths
 * are replaced by files of a temporary folder, so the outcome does not depend on what this machine
 * has installed; test/browser/headless-chromium.test.ts launches Chromium with the real recipe.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { headlessChromium } from '../../src/node/headless-chromium';

const candidates = vi.hoisted(() => [] as string[]);
vi.mock('../../src/node/dawn', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/node/dawn')>()),
  SWIFTSHADER_ICD_CANDIDATES: candidates,
}));

let dir = '';
let debianIcd = '';
let bundledChrome = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgrl-chromium-'));
  await mkdir(join(dir, 'debian'));
  debianIcd = join(dir, 'debian', 'vk_swiftshader_icd.json');
  await writeFile(debianIcd, '{}');
  // A Chrome for Testing layout: the binary with the ICD manifest beside it.
  await mkdir(join(dir, 'chrome-linux64'));
  bundledChrome = join(dir, 'chrome-linux64', 'chrome');
  await writeFile(bundledChrome, '');
  await writeFile(join(dir, 'chrome-linux64', 'vk_swiftshader_icd.json'), '{}');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  candidates.splice(0, candidates.length, join(dir, 'missing', 'vk_swiftshader_icd.json'), debianIcd);
});

const SOFTWARE_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', '--use-angle=vulkan', '--use-vulkan=swiftshader'];

describe('headlessChromium', () => {
  it('software (the default): SwiftShader flags, VK_ICD_FILENAMES at the first ICD found, the rest of the environment kept', () => {
    const launch = headlessChromium({ env: { HOME: '/home/x', UNSET: undefined } });
    expect(launch.adapter).toBe('software');
    expect(launch.args).toEqual(expect.arrayContaining(['--no-sandbox', ...SOFTWARE_FLAGS, '--disable-background-networking', '--disable-component-update', '--no-first-run']));
    expect(launch.args).not.toContain('--disable-gpu');
    expect(launch.variables).toEqual({ VK_ICD_FILENAMES: debianIcd });
    expect(launch.env).toEqual({ HOME: '/home/x', VK_ICD_FILENAMES: debianIcd });
    // Whole, because a launcher's `env` replaces the browser's environment.
    expect(headlessChromium().env.PATH).toBe(process.env.PATH);
  });

  it('software: the ICD beside the executable comes first, and a given one wins over both', () => {
    expect(headlessChromium({ executablePath: bundledChrome, env: {} }).variables.VK_ICD_FILENAMES).toBe(join(dir, 'chrome-linux64', 'vk_swiftshader_icd.json'));
    // Debian's /usr/bin/chromium is a script with no ICD beside it: the distributions' paths follow.
    expect(headlessChromium({ executablePath: join(dir, 'debian-bin', 'chromium'), env: {} }).variables.VK_ICD_FILENAMES).toBe(debianIcd);
    const own = join(dir, 'chrome-linux64', 'vk_swiftshader_icd.json');
    expect(headlessChromium({ swiftShaderIcd: own, env: { VK_ICD_FILENAMES: '/elsewhere.json' } }).env.VK_ICD_FILENAMES).toBe(own);
  });

  it('software: no ICD found, or a given one missing, is an error saying what to do', () => {
    candidates.splice(0, candidates.length, join(dir, 'missing', 'vk_swiftshader_icd.json'));
    expect(() => headlessChromium({ env: {} })).toThrow(/no SwiftShader Vulkan ICD \(vk_swiftshader_icd\.json\) at .*missing\/vk_swiftshader_icd\.json; install Chromium .*adapter: 'hardware'/);
    expect(() => headlessChromium({ swiftShaderIcd: join(dir, 'nope.json'), env: {} })).toThrow(/swiftShaderIcd ".*nope\.json" is not a file/);
    expect(() => headlessChromium({ swiftShaderIcd: dir, env: {} })).toThrow(/is not a file/);
  });

  it("hardware: Chrome's Vulkan recipe; an inherited SwiftShader ICD is dropped, another driver's kept", () => {
    const launch = headlessChromium({ adapter: 'hardware', env: { VK_ICD_FILENAMES: debianIcd, HOME: '/h' } });
    expect(launch.args).toEqual(expect.arrayContaining(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface']));
    expect(launch.args.some((a) => a.includes('swiftshader'))).toBe(false);
    expect(launch.env).toEqual({ HOME: '/h' });
    expect(launch.variables).toEqual({});
    const nvidia = '/usr/share/vulkan/icd.d/nvidia_icd.json';
    expect(headlessChromium({ adapter: 'hardware', env: { VK_ICD_FILENAMES: nvidia } }).env.VK_ICD_FILENAMES).toBe(nvidia);
  });

  it('none: no GPU process, no WebGPU flags', () => {
    const launch = headlessChromium({ adapter: 'none', env: {} });
    expect(launch.args).toContain('--disable-gpu');
    expect(launch.args.filter((a) => /webgpu|vulkan|angle/i.test(a))).toEqual([]);
    expect(launch.env).toEqual({});
  });

  it('sandbox and offline are opt-out switches', () => {
    const launch = headlessChromium({ sandbox: true, offline: false, env: {} });
    expect(launch.args).toEqual([...SOFTWARE_FLAGS, '--enable-unsafe-swiftshader']);
  });

  it('refuses an unknown adapter, naming the field, the value and the valid ones', () => {
    expect(() => headlessChromium({ adapter: 'gpu' as never })).toThrow("headlessChromium: adapter must be one of 'software', 'hardware', 'none' (got \"gpu\")");
  });
});
