/**
 * A benchmarked process driven over its IPC channel (servers/ipc.ts, loadgen.ts, stockClient.ts):
 * `ready` first, then one answer per request, matched by id.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export class Peer {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ port?: number }>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolveReady, rejectReady) => {
      child.once('exit', (code) => {
        rejectReady(new Error(`process exited (${code})`));
        // A request still waiting would otherwise hang the run.
        for (const w of this.waiting.values()) w.reject(new Error(`process exited (${code})`));
        this.waiting.clear();
      });
      child.on('message', (msg: { type?: string; id?: number; port?: number; result?: unknown; stats?: unknown; error?: string }) => {
        if (msg.type === 'ready') resolveReady(msg);
        else if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          if (msg.error) w?.reject(new Error(msg.error));
          else w?.resolve(msg.result ?? msg.stats);
        }
      });
    });
  }

  ask<T>(msg: object): Promise<T> {
    const id = this.next++;
    return new Promise<T>((res, rej) => {
      this.waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej });
      this.child.send({ ...msg, id });
    });
  }
}

const here = import.meta.dirname;

/** Children still running: a run that fails half-way must not leave servers behind it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `file` (relative to scripts/bench/) in a process of its own, with tsx and `global.gc`. */
export function spawnPeer(file: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Peer {
  const child = fork(join(here, file), [], { execArgv: ['--import', 'tsx', '--expose-gc', ...extraArgs], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Peer(child);
}

/** Asks a server process to stop (servers/ipc.ts) and waits for its exit. */
export async function stopPeer(server: Peer): Promise<void> {
  const exited = new Promise((r) => (server.child.exitCode !== null ? r(null) : server.child.once('exit', r)));
  server.child.send({ type: 'stop' });
  await exited;
}
