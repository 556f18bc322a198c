/**
 * A write the disk refuses (file-size limit, as on a full disk) fails that write and only that
 * write: the process lives on (lmdb-js also rejects an internal promise nobody holds; db.ts).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

describe('§9 a full disk', () => {
  it('a refused asynchronous write is reported to its caller and the process keeps running', { timeout: 30_000 }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relais-fulldisk-'));
    try {
      const out = execFileSync('prlimit', ['--fsize=2000000', process.execPath, '--import', 'tsx', 'sync-server/testing/fullDiskWriter.ts', dataDir], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = JSON.parse(out.trim().split('\n').pop()!) as { failure: string | null; alive: boolean };
      expect(result.failure).not.toBeNull();
      expect(result.alive).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
