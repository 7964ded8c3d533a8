#!/usr/bin/env bash
# The full learning matrix that is too long for CI: PPO on CartPole-v1 for 500 000 steps with seeds
# 1, 2 and 3, one after another (runs/ppo-cartpole-seed<S>/), then a table of the summaries. Exits
# non-zero when a seed ends below Gymnasium's threshold of 475 (mean return of the last 100 episodes).
set -euo pipefail
cd "$(dirname "$0")/.."
for seed in 1 2 3; do
  node dist/cli.js train --env CartPole-v1 --algo ppo --seed "$seed" --steps 500000 --out "runs/ppo-cartpole-seed$seed"
done
node --input-type=module -e '
import { readFileSync } from "node:fs";
let failed = 0;
console.log("env           algo  seed  final_return_mean_100  reached 475 at step  wall_s  sps   adapter");
for (const seed of [1, 2, 3]) {
  const s = JSON.parse(readFileSync(`runs/ppo-cartpole-seed${seed}/summary.json`, "utf8"));
  if (!(s.final_return_mean_100 >= 475)) failed += 1;
  console.log(`${s.env.padEnd(14)}${s.algo.padEnd(6)}${String(s.seed).padEnd(6)}${s.final_return_mean_100.toFixed(1).padEnd(23)}${String(s.threshold_reached_at_step ?? "-").padEnd(21)}${s.wall_s.toFixed(0).padEnd(8)}${String(s.sps).padEnd(6)}${s.adapter}`);
}
process.exitCode = failed ? 1 : 0;
'
