import { describe, expect, it } from 'vitest';
import { guardRequest, hostName } from './request-guard.js';

const get = (headers: Record<string, string>) => ({ method: 'GET', headers });
const post = (headers: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers } });

describe('guardRequest', () => {
  it('reads host names out of Host headers, and refuses what is not one', () => {
    expect(hostName('127.0.0.1:8089')).toBe('127.0.0.1');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('LocalHost')).toBe('localhost');
    expect(hostName('a:b:c')).toBeUndefined();
    expect(hostName('')).toBeUndefined();
    expect(guardRequest(get({}), { tokenless: false, secure: false })).toMatchObject({ status: 400 });
  });

  it('a tokenless coordinator answers only to loopback names (DNS rebinding)', () => {
    const o = { tokenless: true, secure: false };
    for (const host of ['127.0.0.1:8089', 'localhost:1', '[::1]:8089', 'app.localhost', '127.9.9.9'])
      expect(guardRequest(get({ host }), o)).toBeUndefined();
    for (const host of ['attacker.example:8089', '198.18.0.1', '[fe80::1]:80', 'localhost.attacker.example']) {
      expect(guardRequest(get({ host }), o)).toMatchObject({ status: 403, message: /not a loopback name/ });
    }
    // with a token, the name does not matter: nothing rides implicitly that a rebound page could use
    expect(guardRequest(get({ host: 'volley-coordinator.ns.svc:7000' }), { tokenless: false, secure: false })).toBeUndefined();
  });

  it("POSTs must be JSON and, from a browser, from the coordinator's own origin", () => {
    const o = { tokenless: true, secure: false };
    const host = '127.0.0.1:8089';
    expect(guardRequest(post({ host }), o)).toBeUndefined();
    expect(guardRequest(post({ host, origin: 'http://127.0.0.1:8089' }), o)).toBeUndefined();
    expect(guardRequest(post({ host, 'content-type': 'application/json; charset=utf-8' }), o)).toBeUndefined();
    // a form or a no-cors fetch can send only these
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      expect(guardRequest({ method: 'POST', headers: { host, 'content-type': type } }, o)).toMatchObject({ status: 415 });
    }
    expect(guardRequest({ method: 'POST', headers: { host } }, o)).toMatchObject({ status: 415 });
    // another port is another origin
    expect(guardRequest(post({ host, origin: 'http://127.0.0.1:3000' }), o)).toMatchObject({ status: 403, message: /cross-origin/ });
    expect(guardRequest(post({ host, origin: 'null' }), o)).toMatchObject({ status: 403 });
    expect(guardRequest(post({ host, origin: 'http://127.0.0.1:8089' }), { tokenless: false, secure: true })).toMatchObject({
      status: 403,
    });
    expect(guardRequest(post({ host, origin: 'https://127.0.0.1:8089' }), { tokenless: false, secure: true })).toBeUndefined();
    // reads are left to the browser's same-origin policy
    expect(guardRequest(get({ host, origin: 'http://127.0.0.1:3000' }), o)).toBeUndefined();
  });

  it('WebSocket upgrades from a page (with an Origin) are refused; workers send none', () => {
    const o = { tokenless: false, secure: false };
    expect(guardRequest(get({ host: 'c:7000', upgrade: 'websocket' }), o)).toBeUndefined();
    expect(guardRequest(get({ host: 'c:7000', upgrade: 'websocket', origin: 'http://c:7000' }), o)).toMatchObject({
      status: 403,
      message: /WebSocket/,
    });
  });
});
