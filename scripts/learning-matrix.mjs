#!/usr/bin/env node
// `npm run test:learning`: every learning target, including those too long for CI.
//   node scripts/learning-matrix.mjs                      every learning test (test/learning/), one
//                                                         file after another, with WEBGPU_RL_LEARNING=1
//   node scripts/learning-matrix.mjs trpo-cartpole …      only these (test/learning/<name>.test.ts)
//   node scripts/learning-matrix.mjs --cli [run …]        the full-length matrix of docs/LEARNING.md
//                                                         through the CLI (several hours)
// The learning tests stop at their target and print the step and the wall time; one file at a time,
// so that each time is that run's alone. The CLI runs train into runs/matrix/<name>/ for their whole
// budget and are judged on their metrics; the table goes to runs/matrix/LEARNING.md
// (docs/LEARNING.md records a measured one). Exits non-zero when a run misses its target.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';

// target: the mean return of the last 100 episodes that must be reached within `steps`.
const RUNS = [
  { name: 'ppo-cartpole-seed1', algo: 'ppo', env: 'CartPole-v1', seed: 1, steps: 500_000, target: 475 },
  { name: 'ppo-cartpole-seed2', algo: 'ppo', env: 'CartPole-v1', seed: 2, steps: 500_000, target: 475 },
  { name: 'ppo-cartpole-seed3', algo: 'ppo', env: 'CartPole-v1', seed: 3, steps: 500_000, target: 475 },
  { name: 'ppo-acrobot', algo: 'ppo', env: 'Acrobot-v1', seed: 1, steps: 500_000, target: -100 },
  { name: 'ppo-pendulum', algo: 'ppo', env: 'Pendulum-v1', seed: 1, steps: 1_000_000, target: -250 },
  { name: 'ppo-kl-cartpole', algo: 'ppo-kl', env: 'CartPole-v1', seed: 1, steps: 500_000, target: 475 },
  { name: 'trpo-cartpole', algo: 'trpo', env: 'CartPole-v1', seed: 1, steps: 500_000, target: 475 },
  { name: 'a2c-cartpole', algo: 'a2c', env: 'CartPole-v1', seed: 1, steps: 1_000_000, target: 475 },
  { name: 'cem-cartpole', algo: 'cem', env: 'CartPole-v1', seed: 1, steps: 500_000, target: 475 },
  { name: 'ppo-kl-pendulum', algo: 'ppo-kl', env: 'Pendulum-v1', seed: 1, steps: 1_000_000, target: -250 },
  { name: 'trpo-pendulum', algo: 'trpo', env: 'Pendulum-v1', seed: 1, steps: 1_000_000, target: -250 },
  { name: 'cem-pendulum', algo: 'cem', env: 'Pendulum-v1', seed: 1, steps: 1_000_000, target: -250 },
  { name: 'reinforce-rtg-value', algo: 'reinforce', env: 'CartPole-v1', seed: 1, steps: 1_000_000, target: 475 },
  // The same run without causality and baseline (nor the normalisation that is a batch-mean
  // baseline in disguise): no target, compared with the run above.
  { name: 'reinforce-plain', algo: 'reinforce', env: 'CartPole-v1', seed: 1, steps: 1_000_000, config: { weights: 'total-return', baseline: 'none', normAdv: false } },
  { name: 'offpolicy-k4', algo: 'offpolicy', env: 'CartPole-v1', seed: 1, steps: 1_000_000, target: 475, config: { updateSteps: 4 } },
  // MuJoCo locomotion (needs @mujoco/mujoco), PPO with the envs' defaults: the median seed must
  // reach the target; Walker2d and Ant are documented without one.
  ...[1, 2, 3].map((seed) => ({ name: `ppo-hopper-seed${seed}`, algo: 'ppo', env: 'Hopper-v5', seed, steps: 1_000_000, target: 1000 })),
  ...[1, 2, 3].map((seed) => ({ name: `ppo-halfcheetah-seed${seed}`, algo: 'ppo', env: 'HalfCheetah-v5', seed, steps: 1_000_000, target: 1500 })),
  { name: 'ppo-walker2d', algo: 'ppo', env: 'Walker2d-v5', seed: 1, steps: 1_000_000 },
  { name: 'ppo-ant', algo: 'ppo', env: 'Ant-v5', seed: 1, steps: 1_000_000 },
  // Two-player games against their scripted opponents (webgpu-rl/games), documented without a
  // return target: the judge is `webgpu-rl eval --opponent` (Connect Four) and the points won.
  { name: 'ppo-connectfour', algo: 'ppo', env: 'ConnectFour-v0', seed: 1, steps: 1_500_000 },
  // The same budget by self-play (`train --self-play`: the defaults of PPO's selfPlay).
  { name: 'ppo-connectfour-self-play', algo: 'ppo', env: 'ConnectFour-v0', seed: 1, steps: 1_500_000, config: { selfPlay: {} } },
  ...[1, 2, 3].map((seed) => ({ name: `ppo-pong-seed${seed}`, algo: 'ppo', env: 'Pong-v0', seed, steps: 2_000_000 })),
  // Pong by self-play (the pool plays the right paddle); judged with `eval --stochastic` against the tracker.
  { name: 'ppo-pong-self-play', algo: 'ppo', env: 'Pong-v0', seed: 1, steps: 2_000_000, config: { selfPlay: {} } },
];

function cliMatrix(only) {
  const runs = only.length ? RUNS.filter((r) => only.includes(r.name)) : RUNS;
  if (only.length && runs.length !== only.length) throw new Error(`unknown run(s): ${only.filter((n) => !RUNS.some((r) => r.name === n)).join(', ')}`);

  mkdirSync('runs/matrix', { recursive: true });
  const rows = [];
  let failed = 0;
  for (const run of runs) {
    const out = `runs/matrix/${run.name}`;
    const args = ['dist/cli.js', 'train', '--env', run.env, '--algo', run.algo, '--seed', String(run.seed), '--steps', String(run.steps), '--out', out];
    if (run.config) {
      mkdirSync(out, { recursive: true });
      writeFileSync(`${out}/config.json`, JSON.stringify(run.config));
      args.push('--config', `${out}/config.json`);
    }
    console.log(`\n== ${run.name}: node ${args.join(' ')}`);
    try {
      execFileSync('node', args, { stdio: 'inherit' });
    } catch {
      console.error(`${run.name}: the CLI failed`);
    }
    const summary = existsSync(`${out}/summary.json`) ? JSON.parse(readFileSync(`${out}/summary.json`, 'utf8')) : null;
    // When the target is an env's own threshold the CLI records the step; otherwise find it in the metrics.
    let reached = null;
    if (summary && run.target !== undefined) {
      for (const line of readFileSync(`${out}/metrics.jsonl`, 'utf8').split('\n')) {
        if (!line) continue;
        const m = JSON.parse(line);
        if (m.return_mean_100 >= run.target) {
          reached = m.global_step;
          break;
        }
      }
    }
    const pass = run.target === undefined ? null : summary !== null && reached !== null && summary.final_return_mean_100 >= run.target;
    if (pass === false) failed += 1;
    rows.push({ run, summary, reached, pass });
  }

  const fmt = (x, digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');
  const lines = [
    '| run | algo | env | seed | steps | target | final_return_mean_100 | target first reached at step | wall (s) | SPS | pass |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(({ run, summary, reached, pass }) =>
      `| ${run.name} | ${run.algo} | ${run.env} | ${run.seed} | ${run.steps} | ${run.target ?? '–'} | ${fmt(summary?.final_return_mean_100)} | ${reached ?? '–'} | ${fmt(summary?.wall_s, 0)} | ${summary?.sps ?? '–'} | ${pass === null ? '–' : pass ? 'yes' : 'NO'} |`,
    ),
  ];
  const adapter = rows.find((r) => r.summary)?.summary.adapter ?? 'unknown';
  const table = lines.join('\n');
  console.log(`\n${table}\nadapter: ${adapter}`);
  writeFileSync('runs/matrix/LEARNING.md', `${table}\n\nadapter: ${adapter}\n`);
  return failed;
}

/** Runs each learning test file alone; returns the number that failed. */
async function learningTests(only) {
  const dir = 'test/learning';
  const names = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => f.slice(0, -'.test.ts'.length)).sort();
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`unknown learning test(s): ${unknown.join(', ')} (valid: ${names.join(', ')})`);
  const rows = [];
  for (const name of only.length ? only : names) {
    const file = `${dir}/${name}.test.ts`;
    console.log(`\n== ${name}: WEBGPU_RL_LEARNING=1 npx vitest run ${file}`);
    const started = performance.now();
    let output = '';
    const code = await new Promise((resolve) => {
      const child = spawn('npx', ['vitest', 'run', file], { env: { ...process.env, WEBGPU_RL_LEARNING: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        output += chunk;
      });
      child.stderr.on('data', (chunk) => process.stderr.write(chunk));
      child.on('close', resolve);
    });
    // The helper's last line (test/support/learning.ts): "[algo env seed s] reached T at step N (…) in W s, …".
    const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
    const result = /\] (reached|did NOT reach) (\S+) at step ([\d ]+) .* in ([\d.]+) s,/.exec(plain);
    rows.push({ name, pass: code === 0, step: result?.[3] ?? '–', runS: result?.[4] ?? '–', fileS: ((performance.now() - started) / 1000).toFixed(0) });
  }
  console.log('\n| learning test | target met | step | run (s) | file, with start-up (s) |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.pass ? 'yes' : 'NO'} | ${r.step} | ${r.runS} | ${r.fileS} |`);
  return rows.filter((r) => !r.pass).length;
}

const args = process.argv.slice(2);
const failed = args[0] === '--cli' ? cliMatrix(args.slice(1)) : await learningTests(args);
process.exitCode = failed ? 1 : 0;
