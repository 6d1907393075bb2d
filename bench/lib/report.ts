import { cpus, loadavg, totalmem } from 'node:os';

/** One measured figure, with its goal, its in-run baseline and Odoo's reference figure. */
export interface Figure {
  scenario: string;
  backend: 'pg' | 'pglite' | '-';
  /** What is measured, e.g. `search_read throughput`. */
  label: string;
  value: number;
  unit: string;
  /** Whether a higher value is better (throughput) or a lower one (latency, memory, time). */
  better: 'higher' | 'lower';
  goal?: { value: number; text?: string };
  /** A second goal on the ratio to the baseline (e.g. >= 60 % of it). */
  ratioGoal?: { value: number; text: string };
  baseline?: { label: string; value: number };
  /** Odoo 17's figure for the same scenario on the same kind of machine (issue 8). */
  odoo?: number;
  /** Secondary numbers shown in the notes column (p99, errors...). */
  notes?: string;
}

export interface ScoredFigure extends Figure {
  /** value / baseline. */
  ratio?: number;
  /** How many times better than Odoo (value/odoo for throughput, odoo/value for costs). */
  vsOdoo?: number;
  pass?: boolean;
}

export function score(f: Figure): ScoredFigure {
  const ratio = f.baseline && f.baseline.value ? f.value / f.baseline.value : undefined;
  const vsOdoo = f.odoo !== undefined && f.value > 0 ? (f.better === 'higher' ? f.value / f.odoo : f.odoo / f.value) : undefined;
  let pass: boolean | undefined;
  if (f.goal) pass = Number.isFinite(f.value) && (f.better === 'higher' ? f.value >= f.goal.value : f.value <= f.goal.value);
  if (f.ratioGoal && ratio !== undefined) {
    const ok = f.better === 'higher' ? ratio >= f.ratioGoal.value : ratio <= f.ratioGoal.value;
    pass = (pass ?? true) && ok;
  }
  return { ...f, ratio, vsOdoo, pass };
}

const fmt = (v: number | undefined, unit = ''): string => {
  if (v === undefined || Number.isNaN(v)) return '-';
  const abs = Math.abs(v);
  const s = Number.isInteger(v) || abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
  return unit ? `${s} ${unit}` : s;
};

/** The results as a plain-text table (also used for the README). */
export function table(figures: ScoredFigure[]): string {
  const head = ['scenario', 'backend', 'figure', 'value', 'goal', 'ok', 'baseline', 'ratio', 'Odoo 17', 'vs Odoo', 'notes'];
  const rows = figures.map((f) => [
    f.scenario, f.backend, f.label, fmt(f.value, f.unit),
    [f.goal ? `${f.better === 'higher' ? '>=' : '<='} ${f.goal.text ?? fmt(f.goal.value, f.unit)}` : '', f.ratioGoal ? f.ratioGoal.text : ''].filter(Boolean).join(', ') || '-',
    f.pass === undefined ? '' : f.pass ? 'yes' : 'NO',
    f.baseline ? `${fmt(f.baseline.value, f.unit)} (${f.baseline.label})` : '-',
    f.ratio === undefined ? '-' : `${fmt(f.ratio)}x`,
    f.odoo === undefined ? '-' : fmt(f.odoo, f.unit),
    f.vsOdoo === undefined ? '-' : `${fmt(f.vsOdoo)}x`,
    f.notes ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The machine and its load, recorded beside the results (figures are only comparable on like machines). */
export interface Machine { nproc: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadavg: number[] }

export function machine(): Machine {
  const cpu = cpus();
  return {
    nproc: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg: loadavg().map((v) => Number(v.toFixed(2))),
  };
}
