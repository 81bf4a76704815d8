// Numbers and markdown tables.

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Nearest-rank percentile (p in 0..100).
export function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)));
  return v[rank - 1];
}

export const min = (values) => Math.min(...values.filter(Number.isFinite));
export const max = (values) => Math.max(...values.filter(Number.isFinite));
export const sum = (values) => values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);

// Fixed decimals; a dash for what was not measured.
export function f(x, decimals = 2) {
  return Number.isFinite(x) ? x.toFixed(decimals) : '–';
}

// A ratio as "0.53×"; a dash when either side is missing.
export function ratio(a, b, decimals = 2) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(decimals)}×` : '–';
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
