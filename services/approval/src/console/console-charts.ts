import { html, type SafeHtml } from './console-html';

/** One bar of a chart: its label under the axis, its value, and what a hover shows. */
export interface ChartBar {
  label: string;
  /** undefined: nothing to measure that day (no proposals, no write actions); drawn as a gap. */
  value: number | undefined;
  title: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  bars: readonly ChartBar[];
  /** The axis' top: 1 for rates; the largest value (or 1) otherwise. */
  max?: number;
  format: (value: number) => string;
  /** A bar past this is drawn in the alarm colour (a critical error rate above zero, say). */
  alarmAbove?: number;
}

const width = 560;
const height = 160;
const axisBottom = 130;
const axisLeft = 48;

/**
 * A bar chart as inline SVG: the console runs no script (CSP), and a picture is what an analyst
 * preparing the weekly review wants. Every label is escaped by `html`; numbers are computed here.
 */
export function barChart(spec: ChartSpec): SafeHtml {
  const measured = spec.bars.map((bar) => bar.value).filter((value): value is number => value !== undefined);
  const highest = spec.max ?? Math.max(...measured, 0);
  const scale = highest > 0 ? highest : 1;
  const slot = spec.bars.length === 0 ? 0 : (width - axisLeft - 8) / spec.bars.length;
  const barWidth = Math.max(2, Math.min(40, slot * 0.7));
  const bars = spec.bars.map((bar, index) => {
    const x = axisLeft + index * slot + (slot - barWidth) / 2;
    const label = html`<text
      x="${(x + barWidth / 2).toFixed(1)}"
      y="${axisBottom + 14}"
      font-size="10"
      text-anchor="middle"
      >${bar.label}</text
    >`;
    if (bar.value === undefined) {
      return html`<g class="bar empty">
        <title>${bar.title}</title>
        ${label}
      </g>`;
    }
    const barHeight = Math.max(1, (Math.min(bar.value, scale) / scale) * (axisBottom - 12));
    const top = axisBottom - barHeight;
    const alarm = spec.alarmAbove !== undefined && bar.value > spec.alarmAbove;
    return html`<g class="bar${alarm ? ' alarm' : ''}" data-value="${String(bar.value)}">
      <title>${bar.title}</title>
      <rect
        x="${x.toFixed(1)}"
        y="${top.toFixed(1)}"
        width="${barWidth.toFixed(1)}"
        height="${barHeight.toFixed(1)}"
        fill="${alarm ? '#c0392b' : '#2e86c1'}"
      />
      <text
        x="${(x + barWidth / 2).toFixed(1)}"
        y="${Math.max(10, top - 3).toFixed(1)}"
        font-size="10"
        text-anchor="middle"
        >${spec.format(bar.value)}</text
      >
      ${label}
    </g>`;
  });
  return html`<figure class="chart" id="${spec.id}">
    <figcaption>${spec.title}</figcaption>
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width="${width}"
      height="${height}"
      role="img"
      aria-label="${spec.title}"
    >
      <line x1="${axisLeft}" y1="${axisBottom}" x2="${width - 4}" y2="${axisBottom}" stroke="#888" />
      <line x1="${axisLeft}" y1="8" x2="${axisLeft}" y2="${axisBottom}" stroke="#888" />
      <text x="${axisLeft - 4}" y="16" font-size="10" text-anchor="end">${spec.format(scale)}</text>
      <text x="${axisLeft - 4}" y="${axisBottom}" font-size="10" text-anchor="end">${spec.format(0)}</text>
      ${bars}
    </svg>
    ${measured.length === 0 ? html`<p class="no-data">No data in this period.</p>` : ''}
  </figure>`;
}

/** A share as people read it: "87.5%". */
export function percent(value: number): string {
  return `${(value * 100).toFixed(value === 0 || value === 1 ? 0 : 1)}%`;
}

/** Dollars with the cents a tool price has: "$0.0125". */
export function dollars(value: number): string {
  return `$${value >= 1 ? value.toFixed(2) : value.toFixed(4).replace(/0{1,2}$/, '')}`;
}
