/**
 * The peers of the benchmark suite (bench/ppo/peer.ts): TF.js on its CPU backend in Node, TF.js on
 * its WebGPU backend in headless Chromium (with the engine's own run in the same page), and
 * CleanRL's ppo.py in PyTorch on the CPU (a Python process; skipped where torch is not installed).
 */
import type { PeerRunner } from '../ppo/peer';
import { tfjsWebgpuPeer } from '../browser/run-browser-peers';
import { tfjsCpuPeer } from './tfjs-cpu-node';
import { torchCpuPeer } from './torch-cpu';

export const peers: readonly PeerRunner[] = [tfjsCpuPeer, tfjsWebgpuPeer, torchCpuPeer];
