/**
 * The guide's k6 script, in Volley (k6's model: options + a default
 * iteration function). Run its 12 minutes of stages 20 times faster:
 *   volley run examples/did-api/k6-test.ts --host http://localhost:8000 --time-scale 0.05
 * API_URL (--env API_URL=… or the environment) overrides the host, as in the guide.
 */
import { Rate, Trend, check, type K6Options, type UserContext, type VolleyResponse } from 'volley';

// Custom metrics
const errorRate = new Rate('errors');
const enrollmentDuration = new Trend('enrollment_duration');
const verificationDuration = new Trend('verification_duration');

export const options: K6Options = {
  stages: [
    { duration: '2m', target: 100 }, // ramp up to 100 users
    { duration: '3m', target: 500 }, // ramp up to 500 users
    { duration: '3m', target: 1000 }, // ramp up to 1000 users
    { duration: '2m', target: 1000 }, // stay at 1000 users
    { duration: '2m', target: 0 }, // ramp down to 0 users
  ],
  thresholds: {
    http_req_duration: ['p(95)<150', 'p(99)<300'], // 95% < 150ms, 99% < 300ms
    http_req_failed: ['rate<0.01'], // error rate < 1%
    errors: ['rate<0.01'], // custom error rate < 1%
    enrollment_duration: ['p(95)<150'], // enrollment p95 < 150ms
    verification_duration: ['p(95)<75'], // verification p95 < 75ms
  },
};

const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomString = (n: number): string => Array.from({ length: n }, () => chars[Math.floor(Math.random() * chars.length)]).join('');

/** 401 (not enrolled) and 409 (duplicate) are answers the test expects, not failures (k6: http.expectedStatuses). */
const expected =
  (...ok: number[]) =>
  (r: VolleyResponse) =>
    ok.includes(r.status) || `HTTP ${r.status}`;

export default async function ({ http, env, sleep }: UserContext<undefined>): Promise<void> {
  const BASE_URL = env.API_URL ?? '';

  // 1. Health check (20% of iterations)
  if (Math.random() < 0.2) {
    const healthRes = await http.get(`${BASE_URL}/health`, { name: 'health_check' });
    check(healthRes, { 'health check status is 200': (r) => r.status === 200 });
    errorRate.add(healthRes.status !== 200);
  }

  // 2. Biometric enrollment (20%)
  if (Math.random() < 0.2) {
    const enrollRes = await http.post(`${BASE_URL}/api/v1/did/enroll`, {
      name: 'enroll_biometric',
      json: {
        wallet_address: `addr_test1${randomString(50)}`,
        biometric_hash: randomString(64),
        metadata: { device_id: `device_${Math.floor(Math.random() * 1000)}`, enrollment_type: 'test' },
      },
      verdict: expected(201, 409),
    });
    enrollmentDuration.add(enrollRes.durationMs);
    check(enrollRes, { 'enrollment status is 201 or 409': (r) => r.status === 201 || r.status === 409 });
    errorRate.add(enrollRes.status !== 201 && enrollRes.status !== 409 && enrollRes.status !== 429);
  }

  // 3. Biometric verification (60%)
  if (Math.random() < 0.6) {
    const verifyRes = await http.post(`${BASE_URL}/api/v1/did/verify`, {
      name: 'verify_biometric',
      json: { wallet_address: `addr_test1${randomString(50)}`, biometric_hash: randomString(64), timestamp: Math.floor(Date.now() / 1000) },
      verdict: expected(200, 401),
    });
    verificationDuration.add(verifyRes.durationMs);
    check(verifyRes, { 'verification status is 200 or 401': (r) => r.status === 200 || r.status === 401 });
    errorRate.add(verifyRes.status !== 200 && verifyRes.status !== 401 && verifyRes.status !== 429);
  }

  // think time between iterations: 1-3 seconds
  await sleep(Math.random() * 2 + 1);
}
