/**
 * PPO self-play on ConnectFour-v0 (src/train/self-play.ts): a pool of two snapshots taken every
 * iteration. The pool's members are exactly the learner's actor at the snapshots' times, and stay
 * bit-for-bit the same across later updates until the ring overwrites them (frozen opponents); the
 * transitions hold only the learner's moves (every recorded observation is a position with the
 * learner to move); the rounds' results count every finished episode (all are played against the
 * pool); a checkpoint restores the pool; and the config refuses what self-play cannot run.
 */
import { describe, expect, it } from 'vitest';
import { resolvePpoConfig } from '../../src/algos/ppo/config';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import { connectFour } from '../../src/games/connect-four';
import { readBufferOnce } from '../../src/gpu/index';
import { mlpLayout } from '../../src/nn/mlp-spec';
import type { IterationStats } from '../../src/train/report';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

describe('PPO self-play against a pool of snapshots', () => {
  const gpu = useGpu();

  it('snapshots the actor into the pool, keeps members frozen, and records only the learner’s moves (5 iterations)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const numEnvs = 8;
    const numSteps = 16;
    const config = {
      env: connectFour,
      seed,
      numEnvs,
      numSteps,
      hiddenSizes: [16],
      learningRate: 3e-3,
      totalTimesteps: 5 * numEnvs * numSteps,
      selfPlay: { window: 2, saveSteps: numEnvs * numSteps },
    };
    const trainer = await createPpoTrainer(device, config);
    const policy = trainer.policy!;
    const P = mlpLayout(policy.actor.spec).parametersPerAgent;
    try {
      await gpuStep(gpu(), 'self-play trainer', async () => {
        const read = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
        const poolBuffer = trainer.opponentPool!.buffers.parameters;
        const actors: Float32Array[] = [await read(policy.actorParameters)];
        const members: Float32Array[] = [await read(poolBuffer)];
        const stats: IterationStats[] = [];
        for (let i = 0; i < 5; i += 1) {
          const s = await trainer.iterate();
          if (s) stats.push(s);
          // drain() makes this iteration's update land before the reads (the next iterate() re-primes the loop).
          const drained = await trainer.drain();
          if (drained) stats.push(drained);
          actors.push(await read(policy.actorParameters));
          members.push(await read(poolBuffer));
          const obs = await read(trainer.buffers.transitions.observations);
          const learnerToMove = [...Array(numSteps * numEnvs).keys()].every((row) => {
            const mine = obs.subarray(row * 84, row * 84 + 42).reduce((a, b) => a + b, 0);
            const theirs = obs.subarray(row * 84 + 42, row * 84 + 84).reduce((a, b) => a + b, 0);
            return theirs === mine || theirs === mine + 1;
          });
          expect(learnerToMove, `seed ${seed}, iteration ${i}: a recorded position with the opponent to move`).toBe(true);
        }
        // Snapshot k is the actor after k iterations (taken at the start of iteration k; snapshot 0
        // before the first) and sits in member k mod 2 until snapshot k + 2 replaces it. After i
        // iterations (read i), snapshots 0 … max(0, i − 1) were taken.
        for (let i = 0; i <= 5; i += 1) {
          for (let m = 0; m < 2; m += 1) {
            const newest = Math.max(0, i - 1);
            const k = newest - ((newest - m + 2) % 2);
            if (k < 0) continue;
            const member = members[i]!.subarray(m * P, (m + 1) * P);
            expect([...member], `seed ${seed}: member ${m} after ${i} iterations holds snapshot ${k}`).toEqual([...actors[k]!.subarray(0, P)]);
          }
        }
        expect(actors[4]!.some((v, j) => v !== actors[0]![j]), 'the learner trained').toBe(true);
        const rounds = stats.filter((s) => s.selfPlay).map((s) => s.selfPlay!);
        expect(rounds.length, `seed ${seed}`).toBeGreaterThanOrEqual(3);
        const games = rounds.flatMap((r) => r.results).reduce((sum, r) => sum + r.wins + r.draws + r.losses, 0);
        // A round covers the iterations before its snapshot: here (iterate, then drain) the stats
        // before the ones it rides on.
        const last = stats.map((s) => s.selfPlay !== undefined).lastIndexOf(true);
        expect(games, `seed ${seed}: every finished episode counted against the pool`).toBe(stats[last - 1]!.episodesFinished);

        // A checkpoint carries the pool: a fresh trainer restored from it has the same members and count.
        const state = await trainer.captureState!();
        const restored = await createPpoTrainer(device, config);
        try {
          restored.restoreState!(state);
          expect(restored.opponentPool!.snapshots).toBe(trainer.opponentPool!.snapshots);
          expect([...(await read(restored.opponentPool!.buffers.parameters))]).toEqual([...members[5]!]);
        } finally {
          restored.destroy();
        }
      });
    } finally {
      trainer.destroy();
    }
  });

  it('refuses self-play where it cannot run, naming the field', () => {
    expect(() => resolvePpoConfig({ env: 'CartPole-v1', selfPlay: {} })).toThrow(
      "ppo: env must be an env with a policy seat for selfPlay (a two-player game such as ConnectFour-v0 or Pong-v0) (got 'CartPole-v1')",
    );
    expect(() => resolvePpoConfig({ env: connectFour, selfPlay: { window: 0 } })).toThrow('ppo: selfPlay.window must be an integer in [1, 256] (got 0)');
    expect(() => resolvePpoConfig({ env: connectFour, agents: 2, selfPlay: {} })).toThrow("ppo: agents must be 1 with selfPlay (the pool holds one learner's snapshots) (got 2)");
    expect(() => resolvePpoConfig({ env: connectFour, normObs: true, selfPlay: {} })).toThrow("ppo: normObs must be false with selfPlay (the pool's policies see raw observations) (got true)");
    expect(() => resolvePpoConfig({ env: connectFour, selfPlay: { poolShare: 1.5 } })).toThrow('ppo: selfPlay.poolShare must be a number in [0, 1] (got 1.5)');
    expect(resolvePpoConfig({ env: connectFour, selfPlay: {} }).selfPlay).toEqual({ window: 10, saveSteps: 20_000, playAgainstLatestRatio: 0.5, poolShare: 1, snapshotEvery: 10 });
  });
});
