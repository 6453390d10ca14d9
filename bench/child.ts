// Shared by the benchmark's child processes: report the listening port to the parent over
// IPC, then answer `usage` queries with this process's CPU time and memory, so the runner
// can attribute CPU per request to exactly one process.
import { readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface ChildUsage {
  /** Microseconds of CPU (user + system) since the process started. */
  readonly cpuMicros: number;
  readonly systemMicros: number;
  readonly rssBytes: number;
  /** Peak resident set size since the process started. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  readonly externalBytes: number;
  readonly eventLoopP99Ms: number;
  /** Process-specific counters (the fake upstream counts documents it was sent). */
  readonly counters: Record<string, number>;
  /** Garbage collections since start: mark-compact (major), scavenges (minor), and their total pause. */
  readonly gc: { readonly major: number; readonly minor: number; readonly ms: number };
}

export type ParentMessage = { readonly cmd: 'usage'; readonly id: number } | { readonly cmd: 'gc'; readonly id: number };

export function serveUsage(port: number, counters: () => Record<string, number> = () => ({})): void {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const gc = { major: 0, minor: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      else gc.minor++;
      gc.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: ParentMessage) => {
    if (m.cmd === 'gc') (globalThis as { gc?: () => void }).gc?.();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const usage: ChildUsage = {
      cpuMicros: cpu.user + cpu.system,
      systemMicros: cpu.system,
      rssBytes: mem.rss,
      maxRssBytes: peakRss(),
      heapUsedBytes: mem.heapUsed,
      externalBytes: mem.external,
      eventLoopP99Ms: lag.percentile(99) / 1e6,
      counters: counters(),
      gc: { ...gc },
    };
    lag.reset();
    process.send!({ id: m.id, usage });
  });
  // The parent going away ends the child: no stray benchmark processes.
  process.on('disconnect', () => process.exit(0));
  // A normal exit on SIGTERM so `--cpu-prof` (BENCH_PROFILE=1) gets to write its profile.
  process.on('SIGTERM', () => process.exit(0));
  process.send!({ ready: true, port });
}

/**
 * This process's peak RSS: VmHWM, which belongs to the process's own memory map. Not
 * `resourceUsage().maxRSS`: Linux keeps ru_maxrss across fork and exec, so a child reports
 * at least the parent's peak at the time it was started (the runner's, hundreds of MB once it
 * has generated big bodies), which made every reference look as big as the runner.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}
