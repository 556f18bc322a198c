import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from './nodeFlags.ts';

describe('the server’s Node flags', () => {
  it('npm start passes every flag the benchmark measured the server with', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const start = pkg.scripts.start!.split(/\s+/);
    expect(start[0]).toBe('node');
    for (const flag of SERVER_NODE_FLAGS) expect(start).toContain(flag);
    // Node's own options come before the script, or they would be the script's arguments.
    const script = start.indexOf('scripts/start.ts');
    for (const flag of SERVER_NODE_FLAGS) expect(start.indexOf(flag)).toBeLessThan(script);
  });
});
