/**
 * One self-contained HTML page showing a recorded run: per-CPU lanes (what ran) and
 * per-thread lanes (running / ready / blocked) from deriveLanes, instants as ticks, flows
 * (block -> wake -> run) as arrows, and the caller's highlights (race windows shaded,
 * injected events marked, the failure point as a red line). Zoom with the wheel or the
 * +/- buttons and keys, pan by dragging or with the arrow keys, hover for details.
 *
 * Inline CSS and JS only: no network, no external fonts; it opens from disk. The lanes go
 * into a `<script type="application/json" id="trace-data">` with `<`, `>`, `&` and the
 * line separators escaped, so no label can end that element; the title is HTML-escaped;
 * the script puts every other string on the page as text.
 *
 * Stable hooks for tests: `#timeline` (data-view-from / data-view-to: the visible span),
 * `#timeline-svg`, `#axis`, `.lane.cpu-lane[data-cpu]`, `.lane.thread-lane[data-thread]`,
 * `.seg` (data-lane, data-i), `.instant`, `.flow`, `.tooltip`, `.highlight-window`,
 * `.highlight-event`, `.highlight-failure`, `#zoom-in`, `#zoom-out`, `#zoom-reset`, `#view-span`.
 */
import { CLIENT_SCRIPT } from './html-client';
import { deriveLanes } from './lanes';
import type { Lanes } from './lanes';
import type { RunTrace } from './schema';

export interface HtmlHighlight {
  /** Race windows: shaded spans. */
  readonly window?: readonly { readonly from: number; readonly to: number; readonly label: string }[];
  /** Injected events of a replay string: marked ticks on their CPU. */
  readonly events?: readonly { readonly time: number; readonly cpu: number; readonly label: string }[];
  /** The failure point: a red line. */
  readonly failure?: { readonly time: number; readonly label: string };
}

export interface HtmlTimelineOptions {
  readonly title?: string;
  readonly highlight?: HtmlHighlight;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element: no `<`, `>` or `&`, no raw U+2028 / U+2029. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #222; background: #fafafa; }
header { padding: 10px 14px 6px; border-bottom: 1px solid #ddd; background: #fff; }
h1 { font-size: 16px; margin: 0 0 4px; font-weight: 600; }
.summary { color: #555; }
.controls { display: flex; gap: 6px; align-items: center; margin-top: 6px; flex-wrap: wrap; }
.controls button { font: inherit; min-width: 30px; padding: 2px 8px; border: 1px solid #bbb; border-radius: 4px; background: #f4f4f4; cursor: pointer; }
.controls button:hover { background: #e8e8e8; }
#view-span { margin-left: 8px; font-variant-numeric: tabular-nums; color: #333; }
.hint { color: #777; margin-left: auto; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 6px; color: #444; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.legend i { display: inline-block; width: 12px; height: 10px; border-radius: 2px; }
#timeline { position: relative; overflow-x: hidden; overflow-y: auto; padding: 4px 0 16px; outline: none; cursor: grab; user-select: none; }
#timeline:active { cursor: grabbing; }
#timeline-svg { display: block; }
.lane-bg { fill: #fff; stroke: #eee; }
.lane-label { font-size: 12px; fill: #333; }
.section-label { font-size: 11px; fill: #777; text-transform: uppercase; letter-spacing: .05em; }
.tick-label { font-size: 11px; fill: #555; }
.grid { stroke: #e3e3e3; stroke-width: 1; pointer-events: none; }
.seg { shape-rendering: crispEdges; }
.seg:hover { stroke: #000; stroke-width: 1; }
.instant { stroke-width: 2; }
.instant-upcall { stroke: #1f77b4; }
.instant-interrupt { stroke: #e08a00; }
.instant-fault { stroke: #c00; }
.flow { fill: none; stroke: #555; stroke-width: 1; opacity: .55; pointer-events: none; }
.flow-block-wake { stroke-dasharray: 3 2; }
.highlight-window { fill: #ffcc00; opacity: .18; stroke: #d4a900; stroke-width: 1; pointer-events: none; }
.highlight-window-label { font-size: 10px; fill: #8a6d00; pointer-events: none; }
.highlight-event line { stroke: #7b2cbf; stroke-width: 2; }
.highlight-event path { fill: #7b2cbf; }
.highlight-failure { stroke: #e00; stroke-width: 2; pointer-events: none; }
.highlight-failure-label { font-size: 11px; fill: #e00; font-weight: 600; pointer-events: none; }
.tooltip { position: fixed; z-index: 10; pointer-events: none; background: rgba(25,25,25,.93); color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; max-width: 420px; white-space: pre-wrap; word-break: break-word; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
.tooltip[hidden] { display: none; }
.tip-title { font-weight: 600; margin-bottom: 2px; }
`;

const LEGEND: readonly [string, string][] = [
  ['linear-gradient(90deg,hsl(210,62%,52%),hsl(347,62%,52%),hsl(125,62%,52%))', 'thread (running)'],
  ['#8d9bb5', 'dispatcher'],
  ['#4a2f2c', 'kernel'],
  ['#e6e6e6', 'idle'],
  ['#f0d98a', 'ready'],
  ['#b8b8b8', 'blocked'],
  ['#1f77b4', 'upcall'],
  ['#e08a00', 'interrupt / inject'],
  ['#c00', 'fault'],
  ['#7b2cbf', 'injected event'],
  ['#e00', 'failure'],
];

function summary(t: RunTrace, lanes: Lanes): string {
  const parts = [
    `${lanes.cpus.length} CPU${lanes.cpus.length === 1 ? '' : 's'}`,
    `${lanes.threads.length} thread${lanes.threads.length === 1 ? '' : 's'}`,
    `${t.records.length} records`,
  ];
  if (t.dropped > 0) parts.push(`${t.dropped} earlier records dropped`);
  parts.push(`${lanes.instants.length} instants`, `${lanes.flows.length} flows`);
  return parts.join(' \u00b7 ');
}

export function htmlTimeline(t: RunTrace, o: HtmlTimelineOptions = {}): string {
  const lanes = deriveLanes(t);
  const title = o.title ?? 'upcall trace';
  const h = o.highlight ?? {};
  const highlight = {
    window: (h.window ?? []).map((w) => ({ from: w.from, to: w.to, label: String(w.label) })),
    events: (h.events ?? []).map((e) => ({ time: e.time, cpu: e.cpu, label: String(e.label) })),
    failure: h.failure !== undefined ? { time: h.failure.time, label: String(h.failure.label) } : null,
  };
  const legend = LEGEND.map(([bg, name]) => `<span><i style="background:${bg}"></i>${escapeHtml(name)}</span>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1 id="title">${escapeHtml(title)}</h1>`,
    `<div class="summary">${escapeHtml(summary(t, lanes))}</div>`,
    '<div class="controls">',
    '<button type="button" id="zoom-in" title="Zoom in (+)">+</button>',
    '<button type="button" id="zoom-out" title="Zoom out (-)">&minus;</button>',
    '<button type="button" id="zoom-reset" title="Whole run (0)">reset</button>',
    '<span id="view-span"></span>',
    '<span class="hint">wheel: zoom &middot; drag / &larr; &rarr;: pan &middot; hover: details</span>',
    '</div>',
    `<div class="legend">${legend}</div>`,
    '</header>',
    '<div id="timeline" tabindex="0">',
    '<svg id="timeline-svg" role="img" aria-label="timeline">',
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto">',
    '<path d="M0 0 L8 4 L0 8 Z" fill="#555"></path></marker></defs>',
    '</svg>',
    '</div>',
    '<div class="tooltip" id="tooltip" role="tooltip" hidden></div>',
    `<script type="application/json" id="trace-data">${scriptJson({ lanes, highlight })}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
