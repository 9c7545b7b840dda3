/**
 * k6 load testing script for Decentralized DID API
 *
 * Run with:
 *   k6 run tests/load/k6-test.js
 */

import http from 'k6/http';
import { check, sleep } from 'k6';
import { Rate, Trend } from 'k6/metrics';

// Custom metrics
const errorRate = new Rate('errors');
const enrollmentDuration = new Trend('enrollment_duration');
const verificationDuration = new Trend('verification_duration');

// Test configuration
export const options = {
  stages: [
    { duration: '2m', target: 100 },   // Ramp up to 100 users
    { duration: '3m', target: 500 },   // Ramp up to 500 users
    { duration: '3m', target: 1000 },  // Ramp up to 1000 users
    { duration: '2m', target: 1000 },  // Stay at 1000 users
    { duration: '2m', target: 0 },     // Ramp down to 0 users
  ],
  thresholds: {
    'http_req_duration': ['p(95)<150', 'p(99)<300'],  // 95% < 150ms, 99% < 300ms
    'http_req_failed': ['rate<0.01'],                  // Error rate < 1%
    'errors': ['rate<0.01'],                           // Custom error rate < 1%
    'enrollment_duration': ['p(95)<150'],              // Enrollment p95 < 150ms
    'verification_duration': ['p(95)<75'],             // Verification p95 < 75ms
  },
};

const BASE_URL = __ENV.API_URL || 'http://localhost:8000';

// Generate random data
function randomString(length) {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let result = '';
  for (let i = 0; i < length; i++) {
    result += chars.charAt(Math.floor(Math.random() * chars.length));
  }
  return result;
}

function randomWalletAddress() {
  return `addr_test1${randomString(50)}`;
}

function randomBiometricHash() {
  return randomString(64); // SHA256 length
}

// Test scenarios
export default function () {
  // 1. Health check (20% of requests)
  if (Math.random() < 0.2) {
    const healthRes = http.get(`${BASE_URL}/health`);
    check(healthRes, {
      'health check status is 200': (r) => r.status === 200,
    });
    errorRate.add(healthRes.status !== 200);
  }

  // 2. Biometric enrollment (20% of requests)
  if (Math.random() < 0.2) {
    const enrollPayload = JSON.stringify({
      wallet_address: randomWalletAddress(),
      biometric_hash: randomBiometricHash(),
      metadata: {
        device_id: `device_${Math.floor(Math.random() * 1000)}`,
        enrollment_type: 'test',
      },
    });

    const enrollRes = http.post(
      `${BASE_URL}/api/v1/did/enroll`,
      enrollPayload,
      { headers: { 'Content-Type': 'application/json' } }
    );

    enrollmentDuration.add(enrollRes.timings.duration);

    check(enrollRes, {
      'enrollment status is 201 or 409': (r) => r.status === 201 || r.status === 409,
    });

    errorRate.add(enrollRes.status !== 201 && enrollRes.status !== 409 && enrollRes.status !== 429);
  }

  // 3. Biometric verification (60% of requests)
  if (Math.random() < 0.6) {
    const verifyPayload = JSON.stringify({
      wallet_address: randomWalletAddress(),
      biometric_hash: randomBiometricHash(),
      timestamp: Math.floor(Date.now() / 1000),
    });

    const verifyRes = http.post(
      `${BASE_URL}/api/v1/did/verify`,
      verifyPayload,
      { headers: { 'Content-Type': 'application/json' } }
    );

    verificationDuration.add(verifyRes.timings.duration);

    check(verifyRes, {
      'verification status is 200 or 401': (r) => r.status === 200 || r.status === 401,
    });

    errorRate.add(verifyRes.status !== 200 && verifyRes.status !== 401 && verifyRes.status !== 429);
  }

  // Think time between requests
  sleep(Math.random() * 2 + 1); // 1-3 seconds
}

// Setup function (runs once at start)
export function setup() {
  console.log('ðŸš€ Starting k6 load test...');
  console.log(`Target: ${BASE_URL}`);
}

// Teardown function (runs once at end)
export function teardown(data) {
  console.log('âœ… Load test complete!');
}
