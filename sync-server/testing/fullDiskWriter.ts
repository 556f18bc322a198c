/**
 * Run under a file-size limit by store/fullDisk.integration.test.ts: writes asynchronously until
 * LMDB fails to commit, then reports whether the process outlived the failure.
 */
import { openDatabases } from '../store/db.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: fullDiskWriter.ts <dataDir>');
const db = openDatabases(dataDir);
const value = { padding: 'x'.repeat(64 * 1024) };
let failure: string | null = null;
for (let i = 0; i < 200 && failure === null; i++) {
  // Not awaited one by one: several writes share a commit, as the server's do.
  const writes = [0, 1, 2, 3].map((j) => db.sessions.put(`s${i}-${j}`, value));
  for (const write of writes) {
    await write.then(
      () => undefined,
      (error: unknown) => {
        failure ??= error instanceof Error ? error.message : String(error);
      },
    );
  }
}
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ failure, alive: true }));
process.exit(0);
