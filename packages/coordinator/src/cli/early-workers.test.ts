import { describe, expect, it } from 'vitest';
import { earlyWorkerCount } from './early-workers.js';

describe('the guess of how many local workers a command line will run', () => {
  it('is --workers (any spelling) for a run of a file or a URL, else the cores', () => {
    expect(earlyWorkerCount(['run', 'test.js'], 8)).toBe(8);
    expect(earlyWorkerCount(['run', '--url', 'http://127.0.0.1:1/', '--workers', '3'], 8)).toBe(3);
    expect(earlyWorkerCount(['run', '--workers=2', 'test.js'], 8)).toBe(2);
    expect(earlyWorkerCount(['run', '-w', '4', 'test.js', '--vus', '10'], 8)).toBe(4);
    expect(earlyWorkerCount(['run', '-w5', 'test.js'], 8)).toBe(5);
    expect(earlyWorkerCount(['run', '-f', 'locustfile.ts', '--headless', '-u', '10'], 2)).toBe(2);
  });

  it('is 0 where no local run follows or the count is not one', () => {
    expect(earlyWorkerCount([], 8)).toBe(0);
    expect(earlyWorkerCount(['worker', '--coordinator', 'ws://127.0.0.1:1'], 8)).toBe(0);
    expect(earlyWorkerCount(['run', '--help'], 8)).toBe(0);
    expect(earlyWorkerCount(['run', '-f', 'locustfile.ts'], 8)).toBe(0); // the web UI
    expect(earlyWorkerCount(['run', '--locustfile=locustfile.ts', '--autostart'], 8)).toBe(0);
    for (const w of ['0', '-1', '1.5', 'many', '100000']) expect(earlyWorkerCount(['run', 'test.js', '--workers', w], 8)).toBe(0);
  });

  it('is 0 for the one worker of --url, which runs in the CLI’s process', () => {
    expect(earlyWorkerCount(['run', '--url', 'http://127.0.0.1:1/', '--workers', '1'], 8)).toBe(0);
    expect(earlyWorkerCount(['run', '--url=http://127.0.0.1:1/', '-w1'], 8)).toBe(0);
    expect(earlyWorkerCount(['run', '--url', 'http://127.0.0.1:1/'], 1)).toBe(0);
    expect(earlyWorkerCount(['run', 'test.js', '--workers', '1'], 8)).toBe(1);
  });
});
