// The scenario the Kubernetes example runs (the ConfigMap volley-scenario is
// made from this file): replace it with yours. It may import 'volley' and
// node's built-ins; other files it imports are not in the ConfigMap.
import { between, defineScenario } from 'volley';

export default defineScenario({
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<150'] },
  users: [{
    waitTime: between(1, 3),
    tasks: [
      { weight: 5, run: async ({ http }) => { await http.get('/health', { name: 'health_check' }); } },
      {
        weight: 3,
        run: async ({ http, vu }) => {
          await http.post('/api/v1/did/verify', {
            name: 'verify_biometric',
            json: { wallet_address: `addr_test1_k8s_${vu}`, biometric_hash: 'h', timestamp: Math.floor(Date.now() / 1000) },
            verdict: (r) => r.status === 200 || r.status === 401 || `Unexpected status: ${r.status}`,
          });
        },
      },
    ],
  }],
});
