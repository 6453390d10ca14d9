// Preloaded into a Rankway process by bench/control-scale.ts (NODE_OPTIONS=--import ...):
// measures event-loop delay with monitorEventLoopDelay and, on SIGUSR2, writes the maximum
// and percentiles since the last report to $RANKWAY_LOOP_PROBE, then starts over. It starts
// on the first SIGUSR2, so the idle-CPU figure taken before that does not include its timer.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.RANKWAY_LOOP_PROBE;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(out, JSON.stringify({ maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), p50Ms: ms(h.percentile(50)) }));
    h.reset();
    h.enable();
  });
}
