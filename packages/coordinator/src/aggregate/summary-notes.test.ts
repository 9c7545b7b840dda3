import { describe, expect, it } from 'vitest';
import { runNotes, type NotesInput } from './summary-notes.js';

const calm = { busySeconds: 0, cpuMax: 0.2, cpuAvg: 0.1, lagP99MaxMs: 2, lagMaxMs: 9, wakeLateMaxMs: 0 };
const notesOf = (health: NotesInput['workers'][number]['health']): string[] =>
  runNotes({ events: [], executors: ['constant-arrival-rate'], workers: [{ name: 'w1', health }] }, []).notes;

describe('what a summary notes of its workers', () => {
  it('nothing of a calm worker', () => {
    expect(notesOf(calm)).toEqual([]);
  });

  it('one long stall of the event loop, which a second’s p99 lag hides', () => {
    // the journal's sync on a busy disk, once: p99 of its second 6.8 ms, the pause 1,521 ms
    expect(notesOf({ ...calm, lagP99MaxMs: 6.8, lagMaxMs: 1520.9 })).toEqual([
      "worker w1's event loop stalled once for 1521 ms: responses that came in meanwhile were timed up to that much late",
    ]);
    expect(notesOf({ ...calm, lagMaxMs: 99 })).toEqual([]);
  });

  it('a loop that lagged for seconds is said once, as lag', () => {
    const notes = notesOf({ ...calm, lagP99MaxMs: 80, lagMaxMs: 400 });
    expect(notes).toEqual(["worker w1's event loop lagged up to 80 ms (p99 of a second): its timings include its own delay"]);
  });

  it('a busy worker, and users that woke late', () => {
    const notes = notesOf({ ...calm, busySeconds: 3, cpuMax: 1.02, cpuAvg: 0.95, wakeLateMaxMs: 70 });
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^worker w1 used 102% of a core at its busiest \(3 s at 90% or more, 95% on average\)/);
    expect(notes[1]).toMatch(/^worker w1's users woke from their think time up to 70 ms late/);
  });
});
