// Preloaded into a Rankway process by bench/control-scale.ts (NODE_OPTIONS=--import ...):
// measures event-loop delay with monitorEventLoopDelay and, on SIGUSR2, writes the maximum
// and percentiles since the last report to $RANKWAY_LOOP_PROBE, then starts over. It starts
// on the first SIGUSR2, so the idle-CPU figure taken before that does not include its timer.
// On a shared machine most long delays are the process waiting for a core, not running: a
// 1 ms timer also records the CPU time the main thread itself used between two of its ticks
// (Linux schedstat of the event-loop thread, so GC helper threads and workers do not count),
// so `maxCpuMs` is the longest stall that was the event loop's own work (JS, GC pauses, sync
// I/O), and `maxMs` the longest delay whatever its cause.
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.RANKWAY_LOOP_PROBE;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let maxCpuMs = 0;
  let timer;
  // The main thread's task id is the process id; field 1 of schedstat is its CPU time in ns.
  const stat = `/proc/self/task/${process.pid}/schedstat`;
  const cpuNs = () => Number(readFileSync(stat, 'utf8').split(' ')[0]);
  const tick = () => {
    let last = cpuNs();
    timer = setInterval(() => {
      const now = cpuNs();
      const ms = (now - last) / 1e6;
      if (ms > maxCpuMs) maxCpuMs = ms;
      last = now;
    }, 1);
    timer.unref();
  };
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const report = {
      maxMs: ms(h.max),
      p99Ms: ms(h.percentile(99)),
      p50Ms: ms(h.percentile(50)),
      maxCpuMs: Math.round(maxCpuMs * 100) / 100,
    };
    writeFileSync(out, JSON.stringify(report));
    h.reset();
    h.enable();
    maxCpuMs = 0;
    if (!timer) tick();
  });
}
