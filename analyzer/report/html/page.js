(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var report;
  try {
    report = JSON.parse(document.getElementById('wiretab-data').textContent);
  } catch (e) {
    document.body.setAttribute('data-charts-error', String(e));
    return;
  }

  function get(path) {
    var o = report;
    for (var i = 0; i < path.length; i++) {
      if (o === null || typeof o !== 'object' || !(path[i] in o)) return undefined;
      o = o[path[i]];
    }
    return o;
  }

  function svgEl(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, s, cls, anchor) {
    var t = svgEl('text', { x: x, y: y, 'class': cls || 'lbl' }, parent);
    if (anchor) t.setAttribute('text-anchor', anchor);
    t.textContent = s;
    return t;
  }

  function tip(node, s) {
    svgEl('title', {}, node).textContent = s;
  }

  /* 1234567 -> 1.23M; small numbers keep three significant digits */
  function short(v) {
    var a = Math.abs(v), u = ['', 'k', 'M', 'G', 'T', 'P'], i = 0;
    while (a >= 1000 && i < u.length - 1) { a /= 1000; v /= 1000; i++; }
    if (i === 0 && Math.round(v) === v) return String(v);
    return Number(v.toPrecision(3)) + u[i];
  }

  function full(v) {
    return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }

  function colorClass(spec, key, i) {
    if (spec.color === 'status') {
      var c = String(key).replace(/^http_/, '').charAt(0);
      if (c >= '1' && c <= '5') return 's' + c;
      return key === 'none' ? 'snone' : 'sother';
    }
    return spec.color === 'series' ? 'q' + (i % 8) : 'q0';
  }

  /* nice upper bound and step for an axis from 0 to max */
  function niceMax(max) {
    if (!(max > 0)) return { top: 1, step: 1 };
    var p = Math.pow(10, Math.floor(Math.log(max) / Math.LN10)), steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      var st = steps[i] * p / 2;
      if (Math.ceil(max / st) <= 5) return { top: Math.ceil(max / st) * st, step: st };
    }
    return { top: Math.ceil(max / p) * p, step: p };
  }

  function empty(fig, svg, w) {
    svg.setAttribute('height', 30);
    text(svg, w / 2, 20, fig.getAttribute('data-empty') || 'no data', 'lbl muted', 'middle');
  }

  /* Horizontal bars, one per key of an object of numbers. */
  function drawBars(fig, spec, svg, w) {
    var data = get(spec.path), keys = [], bars = 0;
    if (data && typeof data === 'object') {
      for (var k in data) {
        if (typeof data[k] !== 'number') continue;
        if (spec.exclude && spec.exclude.indexOf(k) >= 0) continue;
        if (spec.include && spec.include.indexOf(k) < 0) continue;
        if (spec.skipZero && data[k] === 0) continue;
        keys.push(k);
      }
    }
    if (!keys.length) { empty(fig, svg, w); return 0; }
    var labels = spec.labels || {}, unit = spec.unit || '', total = 0, max = 0;
    keys.forEach(function (k) { total += data[k]; max = Math.max(max, data[k]); });
    var longest = 0;
    keys.forEach(function (k) { longest = Math.max(longest, String(labels[k] || k).length); });
    var lw = Math.min(Math.max(longest * 7 + 8, 40), Math.floor(w * 0.45));
    var vw = 64, bw = Math.max(w - lw - vw, 20), rh = 24;
    svg.setAttribute('height', keys.length * rh + 6);
    keys.forEach(function (k, i) {
      var v = data[k], y = i * rh + 3, len = max > 0 ? v / max * bw : 0;
      var label = String(labels[k] || k);
      var lt = text(svg, lw - 6, y + 15, label.length * 7 > lw ? label.slice(0, Math.max(3, Math.floor(lw / 7) - 1)) + '\u2026' : label, 'lbl', 'end');
      tip(lt, label);
      var r = svgEl('rect', { x: lw, y: y + 2, width: Math.max(len, v > 0 ? 1 : 0), height: rh - 6,
                              'class': 'bar ' + colorClass(spec, k, i), 'data-k': k, 'data-v': v }, svg);
      var share = total > 0 && !unit ? ' (' + (v / total * 100).toFixed(1) + '%)' : '';
      tip(r, label + ': ' + full(v) + (unit ? ' ' + unit : '') + share);
      text(svg, lw + len + 4, y + 15, short(v) + (unit ? ' ' + unit : ''), 'val');
      bars++;
    });
    return bars;
  }

  function legend(parent, series, labels, spec) {
    var box = document.createElement('div');
    box.className = 'legend';
    series.forEach(function (s, i) {
      var item = document.createElement('span');
      var sw = document.createElement('i');
      sw.className = 'sw ' + colorClass(spec, s, i);
      item.appendChild(sw);
      item.appendChild(document.createTextNode(labels[s] || s));
      box.appendChild(item);
    });
    parent.appendChild(box);
  }

  /* Horizontal stacked bars: one row per table row, one segment per series. */
  function drawStacked(fig, spec, svg, w) {
    var rows = get(spec.path), labels = spec.labels || {}, segs = 0;
    if (!Array.isArray(rows) || !rows.length) { empty(fig, svg, w); return 0; }
    var max = 0;
    rows.forEach(function (r) {
      var t = 0;
      spec.series.forEach(function (s) { t += r[s] || 0; });
      r.__t = t;
      max = Math.max(max, t);
    });
    var longest = 0;
    rows.forEach(function (r) { longest = Math.max(longest, String(r[spec.rowKey]).length); });
    var lw = Math.min(Math.max(longest * 7 + 8, 40), Math.floor(w * 0.45));
    var vw = 56, bw = Math.max(w - lw - vw, 20), rh = 24;
    svg.setAttribute('height', rows.length * rh + 6);
    rows.forEach(function (r, i) {
      var y = i * rh + 3, x = lw, name = String(r[spec.rowKey]);
      text(svg, lw - 6, y + 15, name, 'lbl', 'end');
      spec.series.forEach(function (s, j) {
        var v = r[s] || 0;
        if (!v) return;
        var len = v / max * bw;
        var rect = svgEl('rect', { x: x, y: y + 2, width: Math.max(len, 1), height: rh - 6,
                                   'class': 'bar ' + colorClass(spec, s, j), 'data-k': name + '/' + s, 'data-v': v }, svg);
        tip(rect, name + ' ' + (labels[s] || s) + ': ' + full(v));
        x += len;
        segs++;
      });
      text(svg, x + 4, y + 15, short(r.__t), 'val');
      delete r.__t;
    });
    legend(fig, spec.series, labels, spec);
    return segs;
  }

  /* Vertical bars over time (stacked when several fields), optionally per second. */
  function drawSeries(fig, spec, svg, w) {
    var rows = get(spec.path), labels = spec.labels || {}, bars = 0;
    if (!Array.isArray(rows) || !rows.length) { empty(fig, svg, w); return 0; }
    var iv = spec.interval ? get(spec.interval) : 1;
    var scale = spec.perSecond && iv > 0 ? 1 / iv : 1;
    var max = 0;
    rows.forEach(function (r) {
      var t = 0;
      spec.fields.forEach(function (f) { t += (r[f] || 0) * scale; });
      max = Math.max(max, t);
    });
    var nice = niceMax(max), h = 170, top = 8, left = 46, bottom = 22;
    var pw = Math.max(w - left - 8, 20), ph = h - top - bottom;
    svg.setAttribute('height', h);
    for (var g = 0; g <= nice.top + nice.step / 2; g += nice.step) {
      var gy = top + ph - g / nice.top * ph;
      svgEl('line', { x1: left, x2: left + pw, y1: gy, y2: gy, 'class': 'grid' }, svg);
      text(svg, left - 4, gy + 4, short(g), 'axis', 'end');
    }
    var bwid = pw / rows.length;
    rows.forEach(function (r, i) {
      var y = top + ph;
      spec.fields.forEach(function (f, j) {
        var v = (r[f] || 0) * scale;
        if (!(v > 0)) return;
        var bh = v / nice.top * ph;
        y -= bh;
        var rect = svgEl('rect', { x: left + i * bwid, y: y, width: Math.max(bwid - (bwid > 3 ? 1 : 0), 0.5),
                                   height: bh, 'class': 'bar ' + colorClass(spec, f, j), 'data-k': r.time + '/' + f,
                                   'data-v': r[f], 'data-i': i }, svg);
        tip(rect, r.time + ' ' + (labels[f] || f) + ': ' + full(v) + (spec.perSecond ? '/s' : ''));
        bars++;
      });
    });
    var tw = String(rows[0].time).length * 6 + 24;
    var ticks = Math.max(1, Math.min(rows.length, Math.floor(pw / tw)));
    for (var t = 0; t < ticks; t++) {
      var idx = ticks === 1 ? 0 : Math.round(t * (rows.length - 1) / (ticks - 1));
      var tx = t === 0 ? left : t === ticks - 1 ? left + pw : left + (idx + 0.5) * bwid;
      text(svg, tx, h - 6, String(rows[idx].time), 'axis', t === 0 ? 'start' : t === ticks - 1 ? 'end' : 'middle');
    }
    if (spec.fields.length > 1) legend(fig, spec.fields, labels, spec);
    return bars;
  }

  var kinds = { bars: drawBars, stacked: drawStacked, series: drawSeries };

  function drawAll() {
    var figs = document.querySelectorAll('figure.chart'), drawn = 0;
    for (var i = 0; i < figs.length; i++) {
      var fig = figs[i], spec;
      var old = fig.querySelectorAll('svg, .legend');
      for (var j = 0; j < old.length; j++) fig.removeChild(old[j]);
      try {
        spec = JSON.parse(fig.getAttribute('data-spec'));
        var cs = getComputedStyle(fig);
        var w = Math.max(Math.floor(fig.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)), 160);
        var cap = fig.querySelector('figcaption');
        var svg = svgEl('svg', { width: w, 'class': 'plot', role: 'img',
                                 'aria-label': cap ? cap.textContent : '' });
        fig.appendChild(svg);
        var n = kinds[spec.kind](fig, spec, svg, w);
        fig.setAttribute('data-bars', n);
        fig.setAttribute('data-drawn', 'yes');
        drawn++;
      } catch (e) {
        fig.setAttribute('data-drawn', 'error');
        fig.setAttribute('data-error', String(e));
      }
    }
    document.body.setAttribute('data-charts', drawn);
  }

  var pending = null, lastWidth = window.innerWidth;
  window.addEventListener('resize', function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(pending);
    pending = setTimeout(drawAll, 150);
  });
  drawAll();
})();
