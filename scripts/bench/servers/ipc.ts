/**
 * What every benchmarked server process answers to the orchestrator over its IPC channel: ready
 * with its port, then CPU, RSS and (Relais only) extra counters on request.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';

export interface ServerStats {
  cpuMs: number;
  /** Of which in the kernel (sockets, disk). */
  cpuSysMs: number;
  rss: number;
  heapUsed: number;
  /** V8's committed heap, memory outside it (Buffers, ArrayBuffers), and each heap space's committed bytes. */
  heapTotal: number;
  external: number;
  spaces: Record<string, number>;
  extra: Record<string, number>;
  /** Event-loop delay since the previous request (ms): how long the server itself stalled. */
  loopDelayP99: number;
  loopDelayMax: number;
}

export type ServerRequest = { type: 'stats'; gc?: boolean; id: number } | { type: 'stop' };

export function answerOrchestrator(port: number, extra: (req: { docName?: string }) => Record<string, number> | Promise<Record<string, number>> = () => ({}), stop?: () => Promise<void>): void {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', (msg: ServerRequest & { docName?: string }) => {
    if (msg.type === 'stop') {
      void (stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    }
    if (msg.gc) {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
    }
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const stats: Omit<ServerStats, 'extra'> = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      cpuSysMs: cpu.system / 1000,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size])),
      loopDelayP99: loop.percentile(99) / 1e6,
      loopDelayMax: loop.max / 1e6,
    };
    loop.reset();
    void Promise.resolve(extra(msg)).then((figures) => process.send?.({ type: 'stats', id: msg.id, stats: { ...stats, extra: figures } }));
  });
  process.send?.({ type: 'ready', port });
}
