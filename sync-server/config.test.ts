/** Settings in one place (#14): the table in config.ts, the README's table, the checks at start. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, readConfig } from './config.ts';

describe('settings', () => {
  it('the README documents every setting of the table, in its settings table', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
    const missing = Object.keys(SETTINGS).filter((name) => !rows.some((row) => row.split('|')[1]!.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });

  it('runs with nothing set, on the documented defaults', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ port: 8080, peerPort: 9000, host: '127.0.0.1', logLevel: 'info', logFile: null, maxUploadMb: 25, vaultDays: 7 });
    expect(config.messageCaps.recipient).toEqual({ max: 10, windowMs: 24 * 3_600_000 });
  });

  it('names each bad variable and what it expects, all at once', () => {
    const read = (): unknown =>
      readConfig({ PORT: '80000', TRUST_PROXY: 'yes', RELAIS_VAULT_DAYS: '0', PUBLIC_URL: 'https://relais.example.fr', SMS_GATEWAY_URL: 'gateway', RELAIS_MASTER_KEY: 'short', ICE_TRANSPORT_POLICY: 'Relay' });
    expect(read).toThrow(ConfigError);
    let message = '';
    try {
      read();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1).map((l) => l.trim())).toEqual([
      'PORT="80000": expected a port number from 0 to 65535',
      'SMS_GATEWAY_URL="gateway": expected a URL starting with http:// or https://',
      'TRUST_PROXY="yes": expected 1 or 0',
      'ICE_TRANSPORT_POLICY="Relay": expected one of all, relay',
      'RELAIS_MASTER_KEY: expected 32 bytes: 64 hex or 44 base64 characters',
      'RELAIS_VAULT_DAYS="0": expected a positive number',
    ]);
  });

  it('cluster settings: PostgreSQL and Redis URLs, a node name; a refused URL is named, its password never shown', () => {
    const config = readConfig({ RELAIS_DATABASE_URL: 'postgres://relais:s3cret@db.example:5432/relais?sslmode=verify-full', RELAIS_REDIS_URL: 'rediss://:s3cret@cache.example:6380', NODE_ID: 'node-2' });
    expect(config).toMatchObject({ databaseUrl: 'postgres://relais:s3cret@db.example:5432/relais?sslmode=verify-full', redisUrl: 'rediss://:s3cret@cache.example:6380', nodeId: 'node-2' });
    const single = readConfig({});
    expect(single).toMatchObject({ databaseUrl: null, redisUrl: null });
    expect(single.nodeId).toMatch(new RegExp(`-${process.pid}$`));
    let message = '';
    try {
      readConfig({ RELAIS_DATABASE_URL: 'mysql://relais:hunter2@db/relais', RELAIS_REDIS_URL: 'http://:hunter2@cache', NODE_ID: 'node 1' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('RELAIS_DATABASE_URL: expected a URL starting with postgres:// or postgresql://');
    expect(message).toContain('RELAIS_REDIS_URL: expected a URL starting with redis:// or rediss://');
    expect(message).toContain('NODE_ID="node 1": expected 1 to 63 letters');
    expect(message).not.toContain('hunter2');
  });

  it('refuses ICE settings that cannot work together, naming them', () => {
    expect(() => readConfig({ ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/ICE_TRANSPORT_POLICY=relay needs a TURN server/);
  });
});
