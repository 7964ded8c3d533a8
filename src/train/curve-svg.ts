/**
 * curve.svg: a small hand-written SVG line chart of a learning curve (no charting dependency): the
 * mean return of the last 100 episodes against env steps, with the env's solved threshold dashed.
 */

export interface CurvePoint {
  readonly step: number;
  readonly value: number;
}

export interface CurveOptions {
  readonly title: string;
  readonly yLabel?: string;
  /** A horizontal reference line (the env's reward threshold). */
  readonly threshold?: number;
  readonly width?: number;
  readonly height?: number;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A tick step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const label = (v: number) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toPrecision(3)}k` : `${+v.toPrecision(3)}`);

/** The SVG text of the chart; points with a non-finite value are skipped. */
export function curveSvg(points: readonly CurvePoint[], options: CurveOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const margin = { left: 56, right: 16, top: 32, bottom: 40 };
  const finite = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.step));
  const xMax = Math.max(1, ...finite.map((p) => p.step));
  const values = finite.map((p) => p.value).concat(options.threshold !== undefined ? [options.threshold] : []);
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = 0.05 * (yMax - yMin);
  yMin -= pad;
  yMax += pad;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (s: number) => margin.left + (s / xMax) * plotW;
  const y = (v: number) => margin.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escape(options.title)}</text>`,
  ];
  const xStep = tickStep(xMax, 6);
  for (let s = 0; s <= xMax + 1e-9; s += xStep) {
    parts.push(`<line x1="${x(s).toFixed(1)}" y1="${margin.top}" x2="${x(s).toFixed(1)}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${x(s).toFixed(1)}" y="${height - margin.bottom + 14}" text-anchor="middle">${label(s)}</text>`);
  }
  const yStep = tickStep(yMax - yMin, 5);
  for (let v = Math.ceil(yMin / yStep) * yStep; v <= yMax; v += yStep) {
    parts.push(`<line x1="${margin.left}" y1="${y(v).toFixed(1)}" x2="${margin.left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${label(v)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle">env steps</text>`);
  parts.push(
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${margin.top + plotH / 2})">${escape(options.yLabel ?? 'return')}</text>`,
  );
  if (options.threshold !== undefined) {
    const ty = y(options.threshold).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${ty}" x2="${margin.left + plotW}" y2="${ty}" stroke="#c33" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${margin.left + plotW - 4}" y="${(Number(ty) - 4).toFixed(1)}" text-anchor="end" fill="#c33">${label(options.threshold)}</text>`);
  }
  if (finite.length > 0) {
    const path = finite.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="#2563eb" stroke-width="1.5"/>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
