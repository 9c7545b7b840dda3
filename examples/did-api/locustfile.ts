/**
 * The guide's locustfile, in Volley:
 *   volley run examples/did-api/locustfile.ts --host http://localhost:8000 \
 *     --users 50 --spawn-rate 5 --run-time 1m
 */
import { createHash } from 'node:crypto';
import { between, defineScenario, defineUser, type VolleyResponse } from 'volley';

const randint = (a: number, b: number): number => a + Math.floor(Math.random() * (b - a + 1));
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The guide's status rules: the expected statuses succeed, 429 is "Rate limited". */
const expect =
  (...ok: number[]) =>
  (res: VolleyResponse) =>
    ok.includes(res.status) ? true : res.status === 429 ? 'Rate limited' : `Unexpected status: ${res.status}`;

interface DidUser {
  wallet_address: string;
  biometric_hash: string;
}

const DIDAPIUser = defineUser<DidUser>({
  name: 'DIDAPIUser',
  // wait 1-3 seconds between requests
  waitTime: between(1, 3),
  onStart: () => ({
    wallet_address: `addr_test1${randint(100000, 999999)}`,
    biometric_hash: sha256(`biometric_data_${randint(1, 100000)}`),
  }),
  tasks: [
    {
      name: 'verify_biometric',
      weight: 3,
      run: async ({ http, state }) => {
        await http.post('/api/v1/did/verify', {
          name: 'verify_biometric',
          json: { wallet_address: state.wallet_address, biometric_hash: state.biometric_hash, timestamp: Math.floor(Date.now() / 1000) },
          // 401 is expected for users that are not enrolled
          verdict: expect(200, 401),
        });
      },
    },
    {
      name: 'enroll_biometric',
      weight: 1,
      run: async ({ http }) => {
        await http.post('/api/v1/did/enroll', {
          name: 'enroll_biometric',
          json: {
            wallet_address: `addr_test1${randint(100000, 999999)}`,
            biometric_hash: sha256(`biometric_${randint(1, 100000)}`),
            metadata: { device_id: `device_${randint(1, 1000)}`, enrollment_type: 'test' },
          },
          // 409 (duplicate enrollment) is expected
          verdict: expect(201, 409),
        });
      },
    },
    {
      name: 'health_check',
      weight: 5,
      run: async ({ http }) => {
        await http.get('/health', { name: 'health_check', verdict: expect(200) });
      },
    },
  ],
});

export default defineScenario({
  users: [DIDAPIUser],
  // Locust's test_start / test_stop listeners: once for the whole cluster
  setup: ({ host }) => {
    console.log('🚀 Starting load test...');
    console.log(`Target: ${host}`);
  },
  teardown: () => {
    console.log('✅ Load test complete! (totals below)');
  },
});
