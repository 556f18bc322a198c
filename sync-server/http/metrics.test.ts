/** Who may read /metrics (http/metrics.ts), by the caller's address as uWS gives it and the headers. */
import { describe, expect, it } from 'vitest';
import { metricsAllowed } from './metrics.ts';
import { rememberAddress } from './remoteAddress.ts';
import type { Request } from './reply.ts';
import { readConfig } from '../config.ts';

const TOKEN = 'a-metrics-token-0123456789';

function request(address: string, headers: Record<string, string> = {}): Request {
  const req: Request = { method: 'GET', path: '/metrics', query: new URLSearchParams(), headers: new Map(Object.entries(headers)) };
  const bytes = Buffer.from(address);
  rememberAddress(req, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return req;
}

const ctx = (host = '127.0.0.1', metricsToken: string | null = TOKEN) => ({ config: { ...readConfig({}), host, metricsToken } });

describe('#14 /metrics: this machine, or the token', () => {
  it('loopback in each form uWS may give it is this machine', () => {
    for (const address of ['127.0.0.1', '127.0.0.53', '::1', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1', '0000:0000:0000:0000:0000:ffff:7f00:0001']) {
      expect(metricsAllowed(request(address), ctx()), address).toBe(true);
    }
  });

  it('another address is refused, in IPv4, IPv6 and mapped forms', () => {
    for (const address of ['203.0.113.7', '10.0.0.5', '2001:db8::1', '::ffff:203.0.113.7', '0000:0000:0000:0000:0000:ffff:cb00:7107', 'unknown']) {
      expect(metricsAllowed(request(address), ctx()), address).toBe(false);
    }
  });

  it('the address the server listens on is this machine; 0.0.0.0 is not an address anyone calls from', () => {
    expect(metricsAllowed(request('10.0.0.5'), ctx('10.0.0.5'))).toBe(true);
    expect(metricsAllowed(request('0.0.0.0'), ctx('0.0.0.0'))).toBe(false);
  });

  it('a request relayed by a proxy on this machine is not this machine', () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect(metricsAllowed(request('127.0.0.1', { [header]: '203.0.113.7' }), ctx()), header).toBe(false);
    }
  });

  it('the bearer token opens it from anywhere; a wrong one, or none configured, does not', () => {
    expect(metricsAllowed(request('203.0.113.7', { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '1.2.3.4' }), ctx())).toBe(true);
    expect(metricsAllowed(request('203.0.113.7', { authorization: `Bearer ${TOKEN}x` }), ctx())).toBe(false);
    expect(metricsAllowed(request('203.0.113.7', { authorization: `Basic ${TOKEN}` }), ctx())).toBe(false);
    expect(metricsAllowed(request('203.0.113.7', { authorization: 'Bearer ' }), ctx('127.0.0.1', null))).toBe(false);
  });
});

describe('#14 METRICS_TOKEN setting', () => {
  it('a token too short to resist guessing stops the start, naming the setting', () => {
    expect(() => readConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => readConfig({ METRICS_TOKEN: 'has a space in it, long enough' })).toThrow(/METRICS_TOKEN/);
    expect(readConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(readConfig({}).metricsToken).toBeNull();
  });
});
