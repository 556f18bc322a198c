import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecret } from './secrets.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('server secrets under the data dir', () => {
  it('is generated once with mode 0600 and read back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relais-secret-'));
    dirs.push(dir);
    const first = loadOrCreateSecret(dir, 'peer-ticket');
    expect(first.byteLength).toBe(32);
    const path = join(dir, 'keys', 'peer-ticket.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dir, 'peer-ticket').equals(first)).toBe(true);
    expect(Buffer.from(readFileSync(path, 'utf8'), 'base64').equals(first)).toBe(true);
    expect(loadOrCreateSecret(dir, 'other').equals(first)).toBe(false);
  });
});
