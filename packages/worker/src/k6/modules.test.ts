import { afterEach, describe, expect, it } from 'vitest';
import { RUNTIME_KEY, type MetricsRuntime } from '@volley/shared/scenario';
import { SharedState, vuModules, type VuPort } from './modules.js';

const recorded: unknown[][] = [];
(globalThis as { [RUNTIME_KEY]?: MetricsRuntime })[RUNTIME_KEY] = { add: (...a) => void recorded.push(a) };
afterEach(() => void (recorded.length = 0));

const port: VuPort = {
  vu: 3,
  hasHost: true,
  options: {},
  tags: { team: 'id' },
  sleep: async () => undefined,
  group: async (_n, fn) => fn(),
  iteration: () => 0,
  iterationInTest: () => 0,
  abort: (reason) => {
    throw new Error(reason);
  },
};
const k6 = vuModules(port, new SharedState());
const check = k6('k6', 'check') as (v: unknown, sets: Record<string, unknown>, tags?: Record<string, string>) => boolean | Promise<boolean>;

describe("k6's check, as a VU's script sees it", () => {
  it('takes functions and plain values, counts each under its name with the scenario’s tags and its own', () => {
    expect(check(200, { 'is 200': (s: unknown) => s === 200, always: true, never: 0 }, { kind: 'x' })).toBe(false);
    expect(recorded).toEqual([
      ['rate', 'checks', 1, { team: 'id', kind: 'x', check: 'is 200' }],
      ['rate', 'checks', 1, { team: 'id', kind: 'x', check: 'always' }],
      ['rate', 'checks', 0, { team: 'id', kind: 'x', check: 'never' }],
    ]);
  });

  it('waits for checks that make requests (the rewrite awaits it), and refuses a Promise as the value', async () => {
    const answer = check(1, { later: async () => true });
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(true);
    expect(() => check(Promise.resolve({ status: 200 }), { ok: (r: unknown) => (r as { status: number }).status === 200 })).toThrow(
      /check\(\) was given a Promise/,
    );
    expect(recorded).toHaveLength(1);
  });

  it("tags a check made in a group with the group's path, as k6 does", async () => {
    const group = k6('k6', 'group') as (name: string, fn: () => unknown) => Promise<unknown>;
    await group('outer', () => group('inner', () => check(1, { deep: true })));
    check(1, { top: true });
    expect(recorded).toEqual([
      ['rate', 'checks', 1, { team: 'id', group: '::outer::inner', check: 'deep' }],
      ['rate', 'checks', 1, { team: 'id', check: 'top' }],
    ]);
  });

  it("gives a scenario's tags to what its custom metrics add", () => {
    const { Trend, Counter } = k6('k6/metrics', 'default') as {
      Trend: new (n: string) => { add(v: number, t?: Record<string, string>): void };
      Counter: new (n: string) => { add(v?: number): void };
    };
    new Trend('waits').add(5, { step: 'a' });
    new Counter('pages').add();
    expect(recorded).toEqual([
      ['trend', 'waits', 5, { team: 'id', step: 'a' }],
      ['counter', 'pages', 1, { team: 'id' }],
    ]);
  });

  it('lets an exception in a check end the iteration, as k6 does', () => {
    expect(() =>
      check(1, {
        boom: () => {
          throw new Error('boom');
        },
      }),
    ).toThrow('boom');
  });
});

describe('k6/data SharedArray', () => {
  it('makes its contents once per worker, frozen, and hands every VU the same', () => {
    const shared = new SharedState();
    let made = 0;
    const SharedArray = vuModules(port, shared)('k6/data', 'SharedArray') as new (name: string, fn: () => unknown[]) => unknown[];
    const Again = vuModules({ ...port, vu: 4 }, shared)('k6/data', 'SharedArray') as typeof SharedArray;
    const a = new SharedArray('users', () => {
      made++;
      return [{ n: 1 }];
    });
    const b = new Again('users', () => {
      made++;
      return [{ n: 2 }];
    });
    expect(a).toBe(b);
    expect(made).toBe(1);
    expect(Object.isFrozen(a[0])).toBe(true);
  });
});

describe('unknown names', () => {
  it('says which module has no such export', () => {
    expect(() => k6('k6/http', 'nope')).toThrow('k6/http has no export "nope" in Volley');
    expect(() => k6('k6/ws', 'default')).toThrow('k6/ws is not supported by Volley');
  });
});
