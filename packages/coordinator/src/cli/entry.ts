import { startEarlyWorkers } from './early-workers.js';
import { LOCAL_WORKER_ARG } from './local-worker-config.js';

// The CLI's first module, small on purpose. A local worker's process goes
// straight to the worker, without the CLI. A command line that will run
// local workers starts them now, so that they load (and warm up) while the
// CLI and its coordinator load, rather than after.
if (process.argv[2] === LOCAL_WORKER_ARG) void import('./local-worker-child.js');
else {
  startEarlyWorkers(process.argv.slice(2));
  void import('./main.js');
}
