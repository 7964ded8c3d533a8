#!/usr/bin/env python3
"""The PyTorch-CPU peer of the PPO benchmark (bench/peers/torch-cpu.ts spawns it).

What a researcher with only a CPU runs: CleanRL's ppo.py (discrete actions), ported line for line
where it matters, https://github.com/vwxyzjn/cleanrl/blob/master/cleanrl/ppo.py -- 64-64 tanh actor
and critic with orthogonal init, Adam (lr 2.5e-4, eps 1e-5) annealed linearly, N envs x 128 steps,
GAE (gamma 0.99, lambda 0.95), 4 epochs x 4 minibatches, clipped surrogate and clipped value loss
(0.2), entropy 0.01, value 0.5, global grad-norm clip 0.5, advantages normalised per minibatch.

The env is CartPole-v1 vectorised in NumPy here (no gymnasium dependency): Gymnasium's equations,
https://github.com/Farama-Foundation/Gymnasium/blob/main/gymnasium/envs/classic_control/cartpole.py
(Euler), the 500-step time limit, and auto-reset in the same step as gymnasium 0.29's
SyncVectorEnv that CleanRL uses. Like CleanRL, a truncated episode counts as terminal.

The learning-rate horizon: CleanRL anneals linearly to zero at its last iteration, which a
time-bounded run does not know in advance; here the fraction falls linearly with the time spent of
--seconds (zero when the budget ends), or, with --total-timesteps, by iteration as in CleanRL (and
the run also ends there).

Prints one JSON line: sps, iterations (warm-up included), returns_by_iteration (mean return of
the last <= 100 finished episodes after each iteration; null before any), torch, threads, blas.
"""
import os

# One BLAS thread and two torch threads (set below): the env vars must be set before NumPy and
# torch load their BLAS and OpenMP, which read them once.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
# Idle OpenMP workers sleep instead of spinning: on two cores shared with the engine's run (or any
# other job) a spinning worker holds a core, and each small op then waits for a descheduled
# thread; measured here, that made an N = 64 iteration 10x slower with 2 threads than with 1.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402
from torch.distributions.categorical import Categorical  # noqa: E402

TORCH_THREADS = 2

# CleanRL's ppo.py defaults (Args).
NUM_STEPS = 128
LEARNING_RATE = 2.5e-4
ADAM_EPS = 1e-5
GAMMA = 0.99
GAE_LAMBDA = 0.95
NUM_MINIBATCHES = 4
UPDATE_EPOCHS = 4
CLIP_COEF = 0.2
ENT_COEF = 0.01
VF_COEF = 0.5
MAX_GRAD_NORM = 0.5

# Gymnasium's CartPole-v1.
GRAVITY = 9.8
MASS_CART = 1.0
MASS_POLE = 0.1
TOTAL_MASS = MASS_CART + MASS_POLE
LENGTH = 0.5  # half the pole's length
POLE_MASS_LENGTH = MASS_POLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02
X_THRESHOLD = 2.4
THETA_THRESHOLD = 12 * 2 * math.pi / 360
MAX_EPISODE_STEPS = 500


class VecCartPole:
    """N CartPole-v1 envs stepped together as arrays, with the episode statistics CleanRL logs."""

    def __init__(self, num_envs, rng):
        self.n = num_envs
        self.rng = rng
        self.state = rng.uniform(-0.05, 0.05, size=(num_envs, 4))
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self.episode_return = np.zeros(num_envs)
        self.recent = collections.deque(maxlen=100)

    def obs(self):
        return self.state.astype(np.float32)

    def physics(self, actions):
        x, x_dot, theta, theta_dot = self.state.T
        force = np.where(actions == 1, FORCE_MAG, -FORCE_MAG)
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + POLE_MASS_LENGTH * theta_dot**2 * sin) / TOTAL_MASS
        theta_acc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos**2 / TOTAL_MASS))
        x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS
        self.state = np.stack(
            [x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc], axis=1
        )

    def step(self, actions):
        """Returns (obs, reward, terminated, truncated); finished envs are reset in the same step."""
        self.physics(actions)
        x, theta = self.state[:, 0], self.state[:, 2]
        terminated = (np.abs(x) > X_THRESHOLD) | (np.abs(theta) > THETA_THRESHOLD)
        self.steps += 1
        truncated = (self.steps >= MAX_EPISODE_STEPS) & ~terminated
        reward = np.ones(self.n, dtype=np.float32)
        self.episode_return += reward
        done = terminated | truncated
        self.reset_done(done)
        return self.obs(), reward, terminated, truncated

    def reset_done(self, done):
        if not done.any():
            return
        self.recent.extend(self.episode_return[done].tolist())
        self.episode_return[done] = 0.0
        self.steps[done] = 0
        self.state[done] = self.rng.uniform(-0.05, 0.05, size=(int(done.sum()), 4))

    def mean_recent_return(self):
        return float(np.mean(self.recent)) if self.recent else None


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_size=4, num_actions=2):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_size, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_size, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, num_actions), std=0.01),
        )

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        probs = Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


class Rollout:
    """CleanRL's storage: [T, N] tensors, and the env state carried between iterations."""

    def __init__(self, env):
        shape = (NUM_STEPS, env.n)
        self.obs = torch.zeros(shape + (4,))
        self.actions = torch.zeros(shape)
        self.logprobs = torch.zeros(shape)
        self.rewards = torch.zeros(shape)
        self.dones = torch.zeros(shape)
        self.values = torch.zeros(shape)
        self.next_obs = torch.Tensor(env.obs())
        self.next_done = torch.zeros(env.n)


def collect(agent, env, r):
    for step in range(NUM_STEPS):
        r.obs[step] = r.next_obs
        r.dones[step] = r.next_done
        with torch.no_grad():
            action, logprob, _, value = agent.get_action_and_value(r.next_obs)
            r.values[step] = value.flatten()
        r.actions[step] = action
        r.logprobs[step] = logprob
        next_obs, reward, terminations, truncations = env.step(action.numpy())
        r.rewards[step] = torch.tensor(reward).view(-1)
        r.next_obs = torch.Tensor(next_obs)
        r.next_done = torch.Tensor(np.logical_or(terminations, truncations).astype(np.float32))


def advantages_and_returns(agent, r):
    with torch.no_grad():
        next_value = agent.get_value(r.next_obs).reshape(1, -1)
        advantages = torch.zeros_like(r.rewards)
        lastgaelam = 0
        for t in reversed(range(NUM_STEPS)):
            if t == NUM_STEPS - 1:
                nextnonterminal, nextvalues = 1.0 - r.next_done, next_value
            else:
                nextnonterminal, nextvalues = 1.0 - r.dones[t + 1], r.values[t + 1]
            delta = r.rewards[t] + GAMMA * nextvalues * nextnonterminal - r.values[t]
            advantages[t] = lastgaelam = delta + GAMMA * GAE_LAMBDA * nextnonterminal * lastgaelam
        return advantages, advantages + r.values


def minibatch_loss(agent, b, mb_inds):
    _, newlogprob, entropy, newvalue = agent.get_action_and_value(b["obs"][mb_inds], b["actions"].long()[mb_inds])
    ratio = (newlogprob - b["logprobs"][mb_inds]).exp()
    mb_advantages = b["advantages"][mb_inds]
    mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
    pg_loss1 = -mb_advantages * ratio
    pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - CLIP_COEF, 1 + CLIP_COEF)
    pg_loss = torch.max(pg_loss1, pg_loss2).mean()
    newvalue = newvalue.view(-1)
    v_loss_unclipped = (newvalue - b["returns"][mb_inds]) ** 2
    v_clipped = b["values"][mb_inds] + torch.clamp(newvalue - b["values"][mb_inds], -CLIP_COEF, CLIP_COEF)
    v_loss_clipped = (v_clipped - b["returns"][mb_inds]) ** 2
    v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
    return pg_loss - ENT_COEF * entropy.mean() + v_loss * VF_COEF


def update(agent, optimizer, r, advantages, returns):
    b = {
        "obs": r.obs.reshape((-1, 4)),
        "logprobs": r.logprobs.reshape(-1),
        "actions": r.actions.reshape(-1),
        "advantages": advantages.reshape(-1),
        "returns": returns.reshape(-1),
        "values": r.values.reshape(-1),
    }
    batch_size = b["obs"].shape[0]
    minibatch_size = batch_size // NUM_MINIBATCHES
    b_inds = np.arange(batch_size)
    for _ in range(UPDATE_EPOCHS):
        np.random.shuffle(b_inds)
        for start in range(0, batch_size, minibatch_size):
            loss = minibatch_loss(agent, b, b_inds[start : start + minibatch_size])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), MAX_GRAD_NORM)
            optimizer.step()


def iterate(agent, optimizer, env, r, frac):
    """One whole iteration (CleanRL's loop body): anneal, rollout, GAE, update."""
    optimizer.param_groups[0]["lr"] = frac * LEARNING_RATE
    collect(agent, env, r)
    advantages, returns = advantages_and_returns(agent, r)
    update(agent, optimizer, r, advantages, returns)


def blas_name():
    """What torch's build says, and the BLAS library actually mapped (Debian picks it at run time)."""
    config = torch.__config__.show()
    match = re.search(r"BLAS_INFO=([^,\s]+)", config)
    said = f"BLAS_INFO={match.group(1) if match else 'not reported'}"
    kind = "OpenBLAS" if "openblas" in config.lower() else "not OpenBLAS"
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()})
    return f"{kind} per torch.__config__ ({said}); loaded: {', '.join(libs) or 'none'}"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--num-envs", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True, help="time budget for the timed iterations")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="one warm-up and one timed iteration")
    p.add_argument("--total-timesteps", type=int, default=None, help="anneal by iteration over this many steps, and stop there")
    return p.parse_args()


def lr_fraction(args, iteration, elapsed, batch_size):
    """CleanRL's linear anneal: by iteration over --total-timesteps, else by time over --seconds."""
    if args.total_timesteps is not None:
        return max(1.0 - (iteration - 1.0) / max(args.total_timesteps // batch_size, 1), 0.0)
    return max(1.0 - elapsed / args.seconds, 0.0)


def keep_going(args, iteration, elapsed, batch_size):
    """At least one timed iteration; then until the budget or the total timesteps are spent."""
    if iteration == 1:
        return True
    if args.quick or elapsed >= args.seconds:
        return False
    return args.total_timesteps is None or iteration < max(args.total_timesteps // batch_size, 2)


def train(args):
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(TORCH_THREADS)
    env = VecCartPole(args.num_envs, np.random.default_rng(args.seed))
    agent = Agent()
    optimizer = optim.Adam(agent.parameters(), lr=LEARNING_RATE, eps=ADAM_EPS)
    r = Rollout(env)
    batch_size = args.num_envs * NUM_STEPS
    iterate(agent, optimizer, env, r, 1.0)  # the warm-up, untimed, at the initial lr
    returns = [env.mean_recent_return()]
    started = time.perf_counter()
    iteration, elapsed = 1, 0.0
    while keep_going(args, iteration, elapsed, batch_size):
        iteration += 1
        iterate(agent, optimizer, env, r, lr_fraction(args, iteration, elapsed, batch_size))
        returns.append(env.mean_recent_return())
        elapsed = time.perf_counter() - started
    return {"sps": (iteration - 1) * batch_size / elapsed, "iterations": iteration, "returns_by_iteration": returns}


def main():
    result = train(parse_args())
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_name()})
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
