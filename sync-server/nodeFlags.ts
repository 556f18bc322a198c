/**
 * The Node flags the sync server runs with in production: `npm start` passes them (package.json,
 * checked by nodeFlags.test.ts), and so do the benchmark and the tests that start the server in a
 * process of its own.
 *
 * --max-semi-space-size=8 (MiB; Node 20's default on 64-bit is 16): V8's young generation grows
 * to its maximum during a burst of connections and stays there, which cost about 8 kB of resident
 * memory per idle socket in scenario (e) of the benchmark (2,000 sockets: 12–13 kB per socket with
 * the default, 4.8–6.2 kB with 8, measured with scripts/bench/idle.ts). 4 and 1 shrink it as much
 * but cost throughput (1: 8,018 edits/s against 12,000 in scenario (c)); 8 did not.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
