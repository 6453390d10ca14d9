import type { EvalReport } from './runner.js';

const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

function render(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The run as plain-text tables: one row per model with the chosen figures, latency, errors
 * and cost; then, with a baseline, the paired difference, its 95% interval and the sign-test
 * p-value for each compared model.
 */
export function renderReport(report: EvalReport, columns: readonly string[] = defaultColumns(report)): string {
  const header = ['model', ...columns, 'p50 ms', 'p95 ms', 'errors', 'cost $'];
  const rows = report.models.map((m) => [
    m.model,
    ...columns.map((c) => fmt(m.metrics[c])),
    fmt(m.latency_ms.p50, 1),
    fmt(m.latency_ms.p95, 1),
    String(m.errors),
    fmt(m.cost_usd, 4),
  ]);
  const c = report.conventions;
  const sample =
    report.candidates.sample === 'all'
      ? 'the whole corpus'
      : `judged + ${report.candidates.sample} sampled (seed ${report.candidates.seed})`;
  const parts = [
    `set ${report.set}: ${report.queries} queries scored, ${report.skipped_queries} without relevant documents ${c.queries_without_relevant === 'skip' ? 'skipped' : 'scored 0'}; candidates: ${sample}`,
    `conventions: ${c.gain} gain, ideal DCG from all judgments, unjudged = non-relevant, ties by doc id (desc), relevant grade >= ${c.relevant_grade}`,
    '',
    render(header, rows),
  ];
  for (const cmp of report.comparisons) {
    parts.push('', `${cmp.model} vs ${cmp.baseline} (paired, ${report.queries} queries; bootstrap 95% interval; sign test)`);
    parts.push(
      render(
        ['metric', 'diff', '95% low', '95% high', 'wins', 'losses', 'ties', 'p'],
        columns.map((name) => {
          const m = cmp.metrics[name];
          return [
            name,
            fmt(m.diff),
            fmt(m.low),
            fmt(m.high),
            String(m.wins),
            String(m.losses),
            String(m.ties),
            m.p < 1e-4 ? m.p.toExponential(2) : fmt(m.p),
          ];
        }),
      ),
    );
  }
  return parts.join('\n');
}

/** nDCG@k for every k, MAP, MRR, then Recall@k and Judged@k for every k. */
export function defaultColumns(report: EvalReport): string[] {
  return report.metrics.slice();
}
