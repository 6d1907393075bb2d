import { readFileSync } from 'node:fs';
import { ROOT } from './server.js';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a `node --cpu-prof` profile spent its time: top functions by self time and by inclusive time ('' for an idle thread). */
export function summarize(file: string, top = 25): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ticks = new Map<number, number>();
  prof.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const name = (id: number) => {
    const f = byId.get(id)!.callFrame;
    const path = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(ROOT, '');
    const where = path ? `${path}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const [id, t] of ticks) {
    total += t;
    self.set(name(id), (self.get(name(id)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = name(cur);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const idle = (self.get('(idle)') ?? 0) / total;
  // tsx's module-loading thread writes a profile too: nearly all idle, nothing to learn
  if (idle > 0.9) return '';
  const list = (m: Map<string, number>, filter: (k: string) => boolean) => [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, t]) => `  ${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(100 * idle).toFixed(0)}% idle`,
    'self time:', list(self, (k) => !k.startsWith('(idle)')),
    'inclusive time, service code (src/):', list(inclusive, (k) => / src\//.test(k)),
  ].join('\n');
}
