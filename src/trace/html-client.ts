/**
 * The inline script of the HTML timeline (see html.ts), as source text. It reads the JSON
 * in `#trace-data` ({ lanes, highlight }), draws SVG into `#timeline-svg`, and handles zoom
 * (wheel, +/- buttons and keys), pan (drag, arrow keys) and the hover tooltip. Every string
 * from the trace reaches the page through textContent / setAttribute, never as markup.
 * Plain ES2017 with no template literals, so it can sit in String.raw.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('trace-data').textContent);
  var L = data.lanes, H = data.highlight || {};
  var root = document.getElementById('timeline');
  var svg = document.getElementById('timeline-svg');
  var NS = svg.namespaceURI;
  var tip = document.getElementById('tooltip');
  var spanText = document.getElementById('view-span');
  var LABEL_W = 190, AXIS_H = 44, CPU_H = 24, TH_H = 18, GAP = 22, PAD_R = 12, MAX_FLOWS = 1500;
  var t0 = L.start, t1 = Math.max(L.end, L.start + 1), total = t1 - t0;
  var minSpan = Math.min(total, Math.max(total / 1e6, 0.5));
  var view = { from: t0, to: t1 };
  var plotW = 600;
  var threadIdx = {};
  L.threads.forEach(function (th, i) { threadIdx[th.key] = i; });

  var UNITS = [[1e9, 's'], [1e6, 'ms'], [1e3, '\u00b5s'], [1, 'ns']];
  function unitOf(ns) {
    for (var i = 0; i < UNITS.length - 1; i++) if (Math.abs(ns) >= UNITS[i][0]) return UNITS[i];
    return UNITS[UNITS.length - 1];
  }
  /** A time in its own unit with digits decimals (default: exact to the ns, trailing zeros dropped). */
  function fmt(ns, digits, unit) {
    var u = unit || unitOf(ns);
    var d = digits === undefined ? Math.round(Math.log10(u[0])) : digits;
    return String(Number((ns / u[0]).toFixed(Math.max(0, Math.min(9, d))))) + u[1];
  }
  /** An axis tick: one unit for the whole axis, decimals enough to tell ticks step apart. */
  function fmtTick(ns, step) {
    var u = unitOf(Math.max(Math.abs(view.from), Math.abs(view.to)));
    return fmt(ns, Math.ceil(-Math.log10(step / u[0]) - 1e-9), u);
  }
  function hue(i) { return (210 + i * 137.508) % 360; }
  function threadColour(key) {
    var i = threadIdx[key];
    return i === undefined ? '#777' : 'hsl(' + hue(i).toFixed(1) + ',62%,52%)';
  }
  var WHAT_FILL = { idle: '#e6e6e6', dispatcher: '#8d9bb5', kernel: '#4a2f2c' };
  var STATE_FILL = { ready: '#f0d98a', blocked: '#b8b8b8' };
  function procName(p) {
    if (p < 0) return '(none)';
    var n = L.processes[p];
    return 'p' + p + (n === undefined || n === null ? '' : ' ' + n);
  }
  function threadName(proc, thread) {
    if (thread < 0) return '(none)';
    var i = threadIdx[proc + '.' + thread];
    return i === undefined ? 'T' + thread : L.threads[i].label;
  }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, cls) {
    var e = el('text', { x: x, y: y, 'class': cls }, parent);
    e.textContent = s;
    return e;
  }
  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  var threadsTop = AXIS_H + L.cpus.length * CPU_H + GAP;
  var height = threadsTop + L.threads.length * TH_H + 10;
  function cpuY(c) { return AXIS_H + c * CPU_H; }
  function thY(i) { return threadsTop + i * TH_H; }
  function endY(e, key) {
    if (e.cpu >= 0 && e.cpu < L.cpus.length) return cpuY(e.cpu) + CPU_H / 2;
    var i = threadIdx[key];
    return i === undefined ? AXIS_H : thY(i) + TH_H / 2;
  }
  function x(t) { return (t - view.from) / (view.to - view.from) * plotW; }

  /** First index whose segment ends after t (segments of a lane are sorted and disjoint). */
  function firstAfter(segs, t) {
    var lo = 0, hi = segs.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (segs[m].end <= t) lo = m + 1; else hi = m; }
    return lo;
  }
  /** Draws a lane's segments in view; one under a pixel wide that ends in the pixel already drawn is skipped. */
  function drawSegs(g, segs, laneId, top, h, cls, fill) {
    var drawnTo = -Infinity;
    for (var i = firstAfter(segs, view.from); i < segs.length; i++) {
      var s = segs[i];
      if (s.start >= view.to) break;
      var x1 = Math.max(x(s.start), -2), x2 = Math.min(x(s.end), plotW + 2);
      if (x2 - x1 < 1 && x2 < drawnTo + 1) continue;
      var w = Math.max(x2 - x1, 0.75);
      drawnTo = x1 + w;
      el('rect', { 'class': 'seg ' + cls(s), x: x1.toFixed(2), y: top, width: w.toFixed(2),
        height: h, fill: fill(s), 'data-lane': laneId, 'data-i': i }, g);
    }
  }

  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  var layer = el('g', { id: 'layer' }, svg);
  function render() {
    var W = Math.max(420, root.clientWidth);
    plotW = W - LABEL_W - PAD_R;
    svg.setAttribute('width', W);
    svg.setAttribute('height', height);
    layer.textContent = '';
    var labels = el('g', { 'class': 'labels' }, layer);
    var plot = el('svg', { id: 'plot', x: LABEL_W, y: 0, width: plotW, height: height }, layer);

    var span = view.to - view.from;
    var axis = el('g', { id: 'axis', 'data-from': view.from, 'data-to': view.to }, plot);
    var step = niceStep(span / Math.max(1, plotW / 110));
    for (var tk = Math.ceil(view.from / step) * step; tk <= view.to; tk += step) {
      var tx = x(tk);
      el('line', { 'class': 'grid', x1: tx, x2: tx, y1: AXIS_H - 6, y2: height }, axis);
      text(axis, tx + 3, AXIS_H - 10, fmtTick(tk, step), 'tick-label');
    }

    L.cpus.forEach(function (lane) {
      var top = cpuY(lane.cpu);
      text(labels, 8, top + CPU_H / 2 + 4, 'cpu' + lane.cpu, 'lane-label');
      var g = el('g', { 'class': 'lane cpu-lane', 'data-cpu': lane.cpu }, plot);
      el('rect', { 'class': 'lane-bg', x: 0, y: top, width: plotW, height: CPU_H }, g);
      drawSegs(g, lane.segments, 'c' + lane.cpu, top + 3, CPU_H - 6,
        function (s) { return 'seg-' + s.what; },
        function (s) { return s.what === 'thread' ? threadColour(s.proc + '.' + s.thread) : WHAT_FILL[s.what]; });
    });
    text(labels, 8, threadsTop - 6, 'threads', 'section-label');
    L.threads.forEach(function (th, i) {
      var top = thY(i);
      el('rect', { 'class': 'swatch', x: 8, y: top + 4, width: 10, height: TH_H - 8, fill: threadColour(th.key) }, labels);
      var lt = text(labels, 24, top + TH_H / 2 + 4, clip(th.label, 24), 'lane-label');
      el('title', {}, lt).textContent = th.label + ' [' + procName(th.proc) + ']';
      var g = el('g', { 'class': 'lane thread-lane', 'data-thread': th.key }, plot);
      el('rect', { 'class': 'lane-bg', x: 0, y: top, width: plotW, height: TH_H }, g);
      drawSegs(g, th.segments, 't' + i, top + 2, TH_H - 4,
        function (s) { return 'state-' + s.state; },
        function (s) { return s.state === 'running' ? threadColour(th.key) : STATE_FILL[s.state]; });
    });

    // Instants: at most one tick per lane, type and pixel.
    var inst = el('g', { id: 'instants' }, plot), seen = {};
    L.instants.forEach(function (e, i) {
      if (e.time < view.from || e.time > view.to || e.cpu < 0 || e.cpu >= L.cpus.length) return;
      var top = cpuY(e.cpu), ix = x(e.time), key = e.cpu + e.type + Math.floor(ix);
      if (seen[key]) return;
      seen[key] = true;
      el('line', { 'class': 'instant instant-' + e.type, x1: ix, x2: ix, y1: top, y2: top + 9, 'data-k': 'instant', 'data-i': i }, inst);
    });
    // Flows: those in view and longer than a pixel, up to MAX_FLOWS (zoom in for the rest).
    var flows = el('g', { id: 'flows' }, plot), shown = 0, hidden = 0;
    L.flows.forEach(function (f) {
      if (f.to.time < view.from || f.from.time > view.to) return;
      var x1 = x(f.from.time), y1 = endY(f.from, f.thread), x2 = x(f.to.time), y2 = endY(f.to, f.thread);
      if (Math.abs(x2 - x1) < 1 && y1 === y2) return;
      if (shown >= MAX_FLOWS) { hidden++; return; }
      shown++;
      var dx = Math.max(8, (x2 - x1) / 2);
      el('path', { 'class': 'flow flow-' + f.kind, 'data-thread': f.thread, 'marker-end': 'url(#arrow)',
        d: 'M' + x1.toFixed(1) + ' ' + y1 + ' C' + (x1 + dx).toFixed(1) + ' ' + y1 + ' ' + (x2 - dx).toFixed(1) + ' ' + y2 + ' ' + x2.toFixed(1) + ' ' + y2 }, flows);
    });

    var hl = el('g', { id: 'highlights' }, plot);
    (H.window || []).forEach(function (w, i) {
      var wx1 = x(w.from), wx2 = x(w.to);
      el('rect', { 'class': 'highlight-window', x: wx1, y: 0, width: Math.max(1, wx2 - wx1), height: height, 'data-i': i }, hl);
      text(hl, Math.max(wx1, 0) + 3, 11 + 10 * (i % 2), clip(w.label, 40), 'highlight-window-label');
    });
    (H.events || []).forEach(function (e, i) {
      if (e.time < view.from || e.time > view.to) return;
      var ex = x(e.time), top = e.cpu >= 0 && e.cpu < L.cpus.length ? cpuY(e.cpu) : AXIS_H;
      var g = el('g', { 'class': 'highlight-event', 'data-cpu': e.cpu, 'data-k': 'event', 'data-i': i }, hl);
      el('line', { x1: ex, x2: ex, y1: top, y2: top + CPU_H, 'data-k': 'event', 'data-i': i }, g);
      el('path', { d: 'M' + (ex - 5) + ' ' + (top - 1) + ' L' + (ex + 5) + ' ' + (top - 1) + ' L' + ex + ' ' + (top + 7) + ' Z', 'data-k': 'event', 'data-i': i }, g);
    });
    if (H.failure) {
      var fx = x(H.failure.time);
      el('line', { 'class': 'highlight-failure', id: 'failure', x1: fx, x2: fx, y1: AXIS_H - 8, y2: height, 'data-time': H.failure.time }, hl);
      text(hl, fx + 4, height - 4, clip(H.failure.label, 60), 'highlight-failure-label');
    }

    root.setAttribute('data-view-from', String(view.from));
    root.setAttribute('data-view-to', String(view.to));
    spanText.textContent = fmt(view.from, 3) + ' \u2013 ' + fmt(view.to, 3) + '  (span ' + fmt(span, 3) + ')' +
      (hidden > 0 ? '  \u00b7 ' + hidden + ' flows hidden: zoom in' : '');
  }

  // Wheel and drag move the view many times a frame: they draw once per animation frame.
  var pending = false;
  function flush() { if (pending) { pending = false; render(); } }
  function setView(from, to, lazy) {
    var span = Math.min(total, Math.max(minSpan, to - from));
    var mid = (from + to) / 2;
    from = mid - span / 2;
    if (from < t0) from = t0;
    if (from + span > t1) from = t1 - span;
    view = { from: from, to: from + span };
    if (!lazy) { pending = false; render(); return; }
    if (!pending) { pending = true; requestAnimationFrame(flush); }
  }
  function zoom(factor, at, lazy) {
    var c = at === undefined ? (view.from + view.to) / 2 : at;
    var span = Math.min(total, Math.max(minSpan, (view.to - view.from) * factor));
    var f = (c - view.from) / (view.to - view.from);
    var from = c - f * span;
    setView(from, from + span, lazy);
  }
  function pan(frac) { var d = (view.to - view.from) * frac; setView(view.from + d, view.to + d); }
  function timeAt(clientX) {
    var px = clientX - svg.getBoundingClientRect().left - LABEL_W;
    if (px < 0 || px > plotW) return undefined;
    return view.from + px / plotW * (view.to - view.from);
  }

  document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(2); });
  document.getElementById('zoom-reset').addEventListener('click', function () { setView(t0, t1); });
  root.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    zoom(Math.pow(1.0015, Math.max(-500, Math.min(500, ev.deltaY))), timeAt(ev.clientX), true);
  }, { passive: false });
  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var k = ev.key;
    if (k === 'ArrowLeft') pan(-0.1); else if (k === 'ArrowRight') pan(0.1);
    else if (k === '+' || k === '=') zoom(0.5); else if (k === '-' || k === '_') zoom(2);
    else if (k === '0') setView(t0, t1); else return;
    ev.preventDefault();
  });

  var drag = null;
  svg.addEventListener('pointerdown', function (ev) {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, from: view.from, to: view.to, moved: false };
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener('pointermove', function (ev) {
    if (drag === null) return;
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) < 2 && !drag.moved) return;
    drag.moved = true;
    hideTip();
    var dt = -dx / plotW * (drag.to - drag.from);
    setView(drag.from + dt, drag.to + dt, true);
  });
  function endDrag() { drag = null; flush(); }
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);

  function span2(a, b) { return fmt(a) + ' \u2013 ' + fmt(b) + ' (' + fmt(b - a) + ')'; }
  function tipLines(t) {
    var laneId = t.getAttribute('data-lane'), i = Number(t.getAttribute('data-i')), k = t.getAttribute('data-k');
    if (laneId !== null && laneId.charAt(0) === 'c') {
      var cpu = Number(laneId.slice(1)), s = L.cpus[cpu].segments[i];
      return [s.label, 'time: ' + span2(s.start, s.end), 'cpu: ' + cpu, 'process: ' + procName(s.proc),
        'vCPU: ' + (s.vcpu < 0 ? '(none)' : s.vcpu), 'thread: ' + threadName(s.proc, s.thread), 'what: ' + s.what];
    }
    if (laneId !== null && laneId.charAt(0) === 't') {
      var th = L.threads[Number(laneId.slice(1))], g = th.segments[i];
      return [th.label, 'time: ' + span2(g.start, g.end), 'state: ' + g.state, 'cpu: ' + (g.cpu < 0 ? '(none)' : g.cpu),
        'process: ' + procName(th.proc), 'thread: ' + th.label];
    }
    if (k === 'instant') {
      var e = L.instants[i];
      return [e.label, 'time: ' + fmt(e.time), 'cpu: ' + e.cpu, 'process: ' + procName(e.proc),
        'thread: ' + threadName(e.proc, e.thread), 'type: ' + e.type];
    }
    if (k === 'event') {
      var h = H.events[i];
      return [h.label, 'time: ' + fmt(h.time), 'cpu: ' + h.cpu, 'injected event'];
    }
    return null;
  }
  function hideTip() { tip.hidden = true; }
  svg.addEventListener('mousemove', function (ev) {
    var lines = drag !== null && drag.moved ? null : tipLines(ev.target);
    if (lines === null) { hideTip(); return; }
    tip.textContent = '';
    lines.forEach(function (ln, j) {
      var d = document.createElement('div');
      d.className = j === 0 ? 'tip-title' : 'tip-line';
      d.textContent = String(ln);
      tip.appendChild(d);
    });
    tip.hidden = false;
    var left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 6);
    var top = ev.clientY + 16 + tip.offsetHeight > window.innerHeight ? ev.clientY - tip.offsetHeight - 10 : ev.clientY + 16;
    tip.style.left = Math.max(0, left) + 'px';
    tip.style.top = Math.max(0, top) + 'px';
  });
  svg.addEventListener('mouseleave', hideTip);
  window.addEventListener('resize', render);
  render();
})();`;
