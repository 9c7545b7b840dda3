import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS, workerNodeArgs } from './local-workers.js';

describe('local workers', () => {
  it("get our V8 flags after this process's own, unless these or NODE_OPTIONS set them already", () => {
    expect(workerNodeArgs(['--import', 'tsx'])).toEqual(['--import', 'tsx', ...WORKER_NODE_FLAGS]);
    expect(workerNodeArgs(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
    expect(workerNodeArgs(['--max_semi_space_size=8'])).toEqual(['--max_semi_space_size=8']);
    expect(workerNodeArgs([], '--max-old-space-size=4096  --max-semi-space-size=32')).toEqual([]);
  });
});
