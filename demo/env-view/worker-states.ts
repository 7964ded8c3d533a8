/**
 * The env grid of a run training in a worker: the worker's device holds the training envs' states,
 * so the page keeps a copy on its own device, refreshed from readEnvStates() (one small readback in
 * the worker, queued after its work in flight; one request at a time), and draws it with the same
 * instanced pipeline as a run on the page's device (env-view.ts).
 */
import type { WorkerAgent } from '../../src/index';
import { createEnvView, type EnvView, type EnvViewOptions } from './env-view';

export async function createWorkerEnvView(device: GPUDevice, canvas: HTMLCanvasElement, agent: WorkerAgent, options: EnvViewOptions = {}): Promise<EnvView | null> {
  const view = agent.envView;
  if (!view) return null;
  const instances = Math.min(view.numEnvs, options.maxInstances ?? 64);
  const states = device.createBuffer({ label: 'envView.worker-states', size: 4 * instances * view.stateSize, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  let grid: EnvView;
  try {
    grid = await createEnvView(device, canvas, { descriptor: view.descriptor, states, stateSize: view.stateSize, numEnvs: instances }, options);
  } catch (error) {
    states.destroy();
    throw error;
  }
  let asking = false;
  let destroyed = false;
  const ask = () => {
    if (asking || destroyed) return;
    asking = true;
    agent.readEnvStates(instances).then(
      (latest) => {
        asking = false;
        if (!destroyed && latest.length === instances * view.stateSize) device.queue.writeBuffer(states, 0, latest);
      },
      // A worker being destroyed (Reset) answers no more: the view goes with it.
      () => void (asking = false),
    );
  };
  return {
    instances: grid.instances,
    draw() {
      ask();
      grid.draw();
    },
    destroy() {
      destroyed = true;
      grid.destroy();
      states.destroy();
    },
  };
}
