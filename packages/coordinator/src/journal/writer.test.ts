import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalWriter } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-journal-writer-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A disk that takes its time: syncs are held until released, and may fail. */
function slowDisk() {
  const waiting: ((err: Error | null) => void)[] = [];
  return {
    waiting,
    sync: (_fd: number, done: (err: Error | null) => void) => void waiting.push(done),
    release: (err: Error | null = null) => waiting.shift()!(err),
  };
}
const event = (t: string, detail: string) => ({ t: 'event', atMs: 0, kind: t, detail }) as const;
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('the journal on a slow disk', () => {
  it('syncs off the event loop, one sync at a time, and a later flush syncs what came since', () => {
    const disk = slowDisk();
    const path = join(dir, 'slow.jsonl');
    const journal = new JournalWriter(path, () => expect.unreachable('no error'), disk.sync);
    journal.append(event('a', '1'));
    journal.flush();
    // written to the kernel at once; the sync is under way and the caller did not wait for it
    expect(lines(path)).toHaveLength(1);
    expect(disk.waiting).toHaveLength(1);
    journal.append(event('a', '2'));
    journal.flush();
    expect(lines(path)).toHaveLength(2);
    expect(disk.waiting).toHaveLength(1); // not a second sync while one is under way
    disk.release();
    journal.flush();
    expect(disk.waiting).toHaveLength(1); // the second line's
    disk.release();
    journal.flush();
    expect(disk.waiting).toHaveLength(0); // nothing new
    journal.close();
  });

  it('a sync that fails stops the journal and is reported once', () => {
    const disk = slowDisk();
    const path = join(dir, 'failing.jsonl');
    const errors: Error[] = [];
    const journal = new JournalWriter(path, (err) => errors.push(err), disk.sync);
    journal.append(event('a', '1'));
    journal.flush();
    disk.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    expect(errors.map((e) => e.message)).toEqual(['EIO: i/o error, fdatasync']);
    expect(journal.failure?.message).toBe('EIO: i/o error, fdatasync');
    journal.append(event('a', '2'));
    journal.flush();
    journal.close();
    expect(lines(path)).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('close writes and syncs the rest itself; a sync still out when it closed reports nothing', () => {
    const disk = slowDisk();
    const path = join(dir, 'closing.jsonl');
    const errors: Error[] = [];
    const journal = new JournalWriter(path, (err) => errors.push(err), disk.sync);
    journal.append(event('a', '1'));
    journal.flush();
    journal.append(event('a', '2'));
    journal.close();
    expect(lines(path)).toHaveLength(2);
    // the descriptor it was syncing is closed now
    disk.release(Object.assign(new Error('EBADF: bad file descriptor, fdatasync'), { code: 'EBADF' }));
    expect(errors).toEqual([]);
    expect(journal.failure).toBeUndefined();
  });
});
