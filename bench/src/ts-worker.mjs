// Runs a TypeScript worker module from source, as the bench's main thread runs: tsx's loader
// is registered in this thread first, then the module named by workerData.module is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
