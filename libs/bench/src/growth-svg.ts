/**
 * A hand-written SVG line chart: x = accounts on a log2 axis, y = cost relative to the smallest
 * size on a log2 axis, one line per measured series, and a dashed "linear" reference (cost doubles
 * with accounts). A series under the reference grows sublinearly; above it, superlinearly.
 */

export interface GrowthSeries {
  readonly label: string;
  readonly color: string;
  /** [accounts, value] in ascending accounts; the value's unit does not matter (the chart divides by the first) */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

const W = 820;
const H = 440;
const M = { left: 64, right: 300, top: 40, bottom: 56 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number): string => (Math.round(n * 10) / 10).toString();

function accountsLabel(n: number): string {
  if (n >= 1_000_000) return `${n / 1_000_000}M`;
  if (n >= 1_000) return `${n / 1_000}k`;
  return String(n);
}

export function growthSvg(title: string, series: readonly GrowthSeries[]): string {
  const usable = series.filter((s) => s.points.length >= 2 && s.points[0]![1] > 0);
  const xs = [...new Set(usable.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  if (xs.length < 2) throw new Error('growth chart: needs at least two sizes');
  const x0 = Math.log2(xs[0]!);
  const x1 = Math.log2(xs[xs.length - 1]!);
  const rel = usable.map((s) => ({ ...s, rel: s.points.map(([x, v]) => [x, v / s.points[0]![1]] as const) }));
  const ys = rel.flatMap((s) => s.rel.map(([, r]) => Math.log2(Math.max(r, 1 / 64))));
  const linearTop = x1 - x0;
  const y0 = Math.floor(Math.min(0, ...ys));
  const y1 = Math.ceil(Math.max(linearTop, ...ys));
  const px = (x: number) => M.left + ((Math.log2(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (log2r: number) => H - M.bottom - ((log2r - y0) / (y1 - y0)) * (H - M.top - M.bottom);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // grid and y ticks (powers of two)
  for (let y = y0; y <= y1; y += 1) {
    const yy = num(py(y));
    out.push(`<line x1="${M.left}" y1="${yy}" x2="${W - M.right}" y2="${yy}" stroke="#e4e4e4"/>`);
    const label = y >= 0 ? `${2 ** y}×` : `1/${2 ** -y}×`;
    out.push(`<text x="${M.left - 8}" y="${num(py(y) + 4)}" text-anchor="end">${label}</text>`);
  }
  for (const x of xs) {
    const xx = num(px(x));
    out.push(`<line x1="${xx}" y1="${M.top}" x2="${xx}" y2="${H - M.bottom}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${xx}" y="${H - M.bottom + 18}" text-anchor="middle">${accountsLabel(x)}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">accounts (log2 scale)</text>`);
  out.push(
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">cost ÷ cost at ${accountsLabel(xs[0]!)} (log2 scale)</text>`,
  );
  // linear reference
  out.push(
    `<line x1="${num(px(xs[0]!))}" y1="${num(py(0))}" x2="${num(px(xs[xs.length - 1]!))}" y2="${num(py(linearTop))}" stroke="#888" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  rel.forEach((s) => {
    const pts = s.rel.map(([x, r]) => `${num(px(x))},${num(py(Math.log2(Math.max(r, 1 / 64))))}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2.2"${s.dashed ? ' stroke-dasharray="3 3"' : ''}/>`);
    for (const [x, r] of s.rel) out.push(`<circle cx="${num(px(x))}" cy="${num(py(Math.log2(Math.max(r, 1 / 64))))}" r="3" fill="${s.color}"/>`);
  });
  // legend
  const lx = W - M.right + 16;
  let ly = M.top + 6;
  out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="#888" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${lx + 30}" y="${ly + 4}">linear (×2 per doubling)</text>`);
  for (const s of rel) {
    ly += 22;
    const last = s.rel[s.rel.length - 1]![1];
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2.2"${s.dashed ? ' stroke-dasharray="3 3"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)} (${last >= 10 ? Math.round(last) : Math.round(last * 10) / 10}×)</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
