/**
 * The peers of the benchmark suite (bench/ppo/peer.ts): TF.js on its CPU backend in Node, and TF.js on
 * its WebGPU backend in headless Chromium (with the engine's own run in the same page).
 */
import type { PeerRunner } from '../ppo/peer';
import { tfjsWebgpuPeer } from '../browser/run-browser-peers';
import { tfjsCpuPeer } from './tfjs-cpu-node';

export const peers: readonly PeerRunner[] = [tfjsCpuPeer, tfjsWebgpuPeer];
