// Worker thread of the switching run: the page loads run on their own event loop (and core), so
// the server's thread only serves and switches. Stops on any message; posts the LoadResult back.
import { parentPort, workerData } from 'node:worker_threads';
import { runPageLoads, type LoadOptions } from './switch-load.js';

interface SwitchWorkerData {
  options: LoadOptions;
  /** Int32Array[0] on a SharedArrayBuffer: the switch generation the server thread bumps. */
  generation: SharedArrayBuffer;
}

const port = parentPort;
if (!port) throw new Error('switch-worker.js runs as a worker thread');
const data = workerData as SwitchWorkerData;
const generation = new Int32Array(data.generation);
const stop = new Promise((resolve) => port.once('message', resolve));
port.postMessage({ started: true });
const result = await runPageLoads({ ...data.options, switchGeneration: () => Atomics.load(generation, 0) }, stop);
port.postMessage(result);
