/**
 * Result rows and their rendering. A row is one measured figure, its target (if the issue sets
 * one) and whether it meets it. Rows without a target are context for the ones that have one.
 */

export type Verdict = 'pass' | 'miss' | '-';

export interface Target {
  /** `>=` means higher is better. */
  op: '>=' | '<=';
  value: number;
}

export interface Row {
  part: string;
  name: string;
  value: number;
  unit: string;
  /** How to print the value (digits after the point). */
  digits?: number;
  target?: Target;
  verdict: Verdict;
  /** Extra context printed in the table (reference figure, sample count). */
  note?: string;
}

export function row(part: string, name: string, value: number, unit: string, opts: { target?: Target; digits?: number; note?: string } = {}): Row {
  let verdict: Verdict = '-';
  if (opts.target) {
    const ok = Number.isFinite(value) && (opts.target.op === '>=' ? value >= opts.target.value : value <= opts.target.value);
    verdict = ok ? 'pass' : 'miss';
  }
  return { part, name, value, unit, digits: opts.digits, target: opts.target, verdict, note: opts.note };
}

export function show(n: number, digits: number | undefined): string {
  if (!Number.isFinite(n)) return 'n/a';
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function markdownTable(rows: Row[]): string {
  const out = ['| part | measure | value | target | result | notes |', '|---|---|---:|---|---|---|'];
  for (const r of rows) {
    const unit = r.unit === 'x' ? 'x' : ` ${r.unit}`;
    const value = `${show(r.value, r.digits)}${unit}`;
    const target = r.target ? `${r.target.op} ${show(r.target.value, r.digits)}${unit}` : '';
    const verdict = r.verdict === 'pass' ? 'pass' : r.verdict === 'miss' ? '**miss**' : '';
    out.push(`| ${r.part} | ${r.name} | ${value} | ${target} | ${verdict} | ${(r.note ?? '').replace(/\|/g, '\\|')} |`);
  }
  return out.join('\n');
}
