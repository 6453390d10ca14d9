import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** Draw on the right-hand axis (a different unit). */
  readonly right?: boolean;
  readonly bars?: boolean;
}

/** A time chart (uPlot): x in epoch ms, axis labels in the viewer's zone. */
export function TimeChart(props: { times: readonly number[]; series: readonly ChartSeries[]; tz: string; height?: number; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  const { times, series, tz, title } = props;
  const height = props.height ?? 240;
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#667' },
        { stroke: '#667', scale: 'y', size: 60 },
        ...(series.some((s) => s.right) ? [{ stroke: '#667', scale: 'r', side: 1, grid: { show: false }, size: 60 }] : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? `${s.color}55` : undefined,
          width: 2,
          scale: s.right ? 'r' : 'y',
          paths: s.bars ? bars : undefined,
          points: { show: times.length < 60 },
        })),
      ],
    };
    const data = [times.map((t) => t / 1000), ...series.map((s) => s.values.map((v) => v ?? null))] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, tz, height]);
  return <div className="chart" ref={host} role="img" aria-label={title} />;
}
