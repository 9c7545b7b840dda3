import { describe, expect, it } from 'vitest';
import { runLimited } from './batch-limit.js';
import { digestAuthorization } from './digest-auth.js';

describe('http.batch limits (k6 batch and batchPerHost)', () => {
  it('keeps at most max in flight, and perHost for one host, and answers in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const perHost = new Map<string, number>();
    let peakHost = 0;
    const job = (host: string, i: number) => ({
      host,
      run: async () => {
        inFlight++;
        perHost.set(host, (perHost.get(host) ?? 0) + 1);
        peak = Math.max(peak, inFlight);
        peakHost = Math.max(peakHost, perHost.get(host)!);
        await new Promise((r) => setTimeout(r, 2 + (i % 3)));
        inFlight--;
        perHost.set(host, perHost.get(host)! - 1);
        return i;
      },
    });
    const jobs = Array.from({ length: 12 }, (_, i) => job(i % 3 === 0 ? 'b' : 'a', i));
    expect(await runLimited(jobs, 3, 2)).toEqual(jobs.map((_, i) => i));
    expect(peak).toBe(3);
    expect(peakHost).toBe(2);
    peak = 0;
    await runLimited(jobs, 0, 0);
    expect(peak).toBe(12);
  });
});

describe('digest auth', () => {
  it("answers RFC 2617's own example challenge with its response", () => {
    const header = digestAuthorization(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      'GET',
      '/dir/index.html',
      'Mufasa',
      'Circle Of Life',
      '0a4f113b',
    );
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });
});
