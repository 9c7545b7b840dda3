import { describe, expect, it } from 'vitest';
import { TRANSPORT_ERRORS, TransportError, transportErrorCode } from './transport-error.js';

const sys = (code: string): Error => Object.assign(new Error(code), { code });

describe('transportErrorCode', () => {
  it('gives every error a request can end with one code of the closed set', () => {
    const cases: [unknown, string][] = [
      [new TransportError('CONNECT_TIMEOUT'), 'CONNECT_TIMEOUT'],
      [sys('ECONNREFUSED'), 'ECONNREFUSED'],
      [sys('ECONNABORTED'), 'ECONNRESET'],
      [sys('EAI_AGAIN'), 'ENOTFOUND'],
      [sys('HPE_INVALID_CONSTANT'), 'BAD_RESPONSE'],
      [sys('DEPTH_ZERO_SELF_SIGNED_CERT'), 'TLS_CERT'],
      [sys('ERR_TLS_CERT_ALTNAME_INVALID'), 'TLS_CERT'],
      [sys('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'TLS_CERT'],
      [sys('ERR_SSL_WRONG_VERSION_NUMBER'), 'TLS_HANDSHAKE'],
      [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'INTERRUPTED'],
      [new Error('fetch failed', { cause: sys('ECONNRESET') }), 'ECONNRESET'],
      [sys('EWHATEVER'), 'TRANSPORT_ERROR'],
      ['not even an error', 'TRANSPORT_ERROR'],
    ];
    for (const [err, code] of cases) {
      expect(transportErrorCode(err), String(err)).toBe(code);
      expect(Object.keys(TRANSPORT_ERRORS)).toContain(code);
    }
  });
});
