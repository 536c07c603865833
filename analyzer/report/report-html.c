/* The HTML report: one self-contained page. The C side renders every section of the
 * report model as HTML (so new sections appear without changes here) and places a chart
 * figure for every chart hint a tap wrote into the model; an inline script draws those
 * charts as SVG from the JSON report embedded in the page. No network access: no external scripts, styles or
 * fonts. */
#include "analyzer/report/report-html.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* ---------- the page's style and script (inline; kept readable, one line each) ---------- */

/* One string per line: ISO C caps string literals at 4095 characters. */
static const char *const page_css[] = {
  ":root{--bg:#fff;--fg:#1d232a;--muted:#667085;--line:#e3e7ec;--head:#f5f7f9;--accent:#0b6bcb;--bar:#3b82c4;\n",
  "--s1:#8a9bb0;--s2:#2f9e44;--s3:#1c7ed6;--s4:#f08c00;--s5:#e03131;--sother:#868e96;--snone:#ced4da;\n",
  "--q0:#3b82c4;--q1:#2f9e44;--q2:#f08c00;--q3:#9c36b5;--q4:#e03131;--q5:#0c8599;--q6:#a61e4d;--q7:#5c940d}\n",
  "@media (prefers-color-scheme:dark){:root{--bg:#15191e;--fg:#e6e9ed;--muted:#98a2b3;--line:#2c333b;--head:#1d232a;--accent:#6cb2ff}}\n",
  "*{box-sizing:border-box}\n",
  "html{-webkit-text-size-adjust:100%}\n",
  "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif}\n",
  "header{padding:16px 20px 8px;border-bottom:1px solid var(--line)}\n",
  "header h1{margin:0;font-size:1.35em}\n",
  "header p{margin:4px 0 0;color:var(--muted);overflow-wrap:anywhere}\n",
  "nav{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:6px 20px;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.92em}\n",
  "nav a{color:var(--accent);text-decoration:none;white-space:nowrap}\n",
  "nav a:hover{text-decoration:underline}\n",
  "main{max-width:1200px;margin:0 auto;padding:8px 20px 40px}\n",
  "section{margin:18px 0 28px;scroll-margin-top:44px}\n",
  "h2{font-size:1.2em;margin:0 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}\n",
  "h3{font-size:1.02em;margin:14px 0 6px}\n",
  "h4,h5,h6{font-size:.95em;margin:10px 0 4px}\n",
  ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:12px;margin:8px 0 14px}\n",
  ".charts:empty{display:none}\n",
  "figure.chart{margin:0;padding:8px 10px;border:1px solid var(--line);border-radius:6px;min-width:0}\n",
  "figure.chart.wide{grid-column:1/-1}\n",
  "figcaption{font-weight:600;margin-bottom:4px}\n",
  "svg.plot{display:block;overflow:visible}\n",
  "svg .lbl{font-size:12px;fill:var(--fg)}\n",
  "svg .val{font-size:11px;fill:var(--muted)}\n",
  "svg .axis{font-size:10px;fill:var(--muted)}\n",
  "svg .muted{fill:var(--muted)}\n",
  "svg .grid{stroke:var(--line);stroke-width:1}\n",
  ".bar{fill:var(--bar)}\n",
  ".s1{fill:var(--s1);background:var(--s1)}.s2{fill:var(--s2);background:var(--s2)}.s3{fill:var(--s3);background:var(--s3)}\n",
  ".s4{fill:var(--s4);background:var(--s4)}.s5{fill:var(--s5);background:var(--s5)}\n",
  ".sother{fill:var(--sother);background:var(--sother)}.snone{fill:var(--snone);background:var(--snone)}\n",
  ".q0{fill:var(--q0);background:var(--q0)}.q1{fill:var(--q1);background:var(--q1)}.q2{fill:var(--q2);background:var(--q2)}\n",
  ".q3{fill:var(--q3);background:var(--q3)}.q4{fill:var(--q4);background:var(--q4)}.q5{fill:var(--q5);background:var(--q5)}\n",
  ".q6{fill:var(--q6);background:var(--q6)}.q7{fill:var(--q7);background:var(--q7)}\n",
  ".legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;color:var(--muted);margin-top:4px}\n",
  ".legend .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}\n",
  ".tw{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:4px 0 12px;max-width:100%}\n",
  "table{border-collapse:collapse;font-size:13px}\n",
  "caption{text-align:left;font-weight:600;padding:4px 0;white-space:nowrap}\n",
  "th,td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n",
  "thead th{background:var(--head);white-space:nowrap;position:sticky;top:0}\n",
  "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n",
  "td.s{overflow-wrap:anywhere;min-width:6em;max-width:40em}\n",
  "td.p{background:linear-gradient(90deg,color-mix(in srgb,var(--bar) 22%,transparent) var(--p),transparent var(--p))}\n",
  "table.kv th{font-weight:normal;color:var(--muted);background:none;position:static}\n",
  "table.kv td{font-variant-numeric:tabular-nums}\n",
  ".none{color:var(--muted);font-style:italic;margin:2px 0 10px}\n",
  "details>summary{cursor:pointer;font-weight:600;margin:6px 0}\n",
  "footer{color:var(--muted);font-size:.85em;text-align:center;padding:20px}\n",
  "@media (max-width:600px){header,main{padding-left:10px;padding-right:10px}nav{position:static;padding:6px 10px}th,td{padding:3px 6px}body{font-size:13px}}\n",
  "@media print{nav{display:none}.tw{overflow:visible}}\n",
  NULL,
};

/* Draws every <figure class="chart" data-spec='{...}'> from #wiretab-data. For tests and
 * tools it marks each figure with data-drawn="yes" and data-bars="N" (SVG rects drawn,
 * each with data-k / data-v), and <body data-charts="N">. */
static const char *const page_js[] = {
  "(function () {\n",
  "  'use strict';\n",
  "  var NS = 'http://www.w3.org/2000/svg';\n",
  "  var report;\n",
  "  try {\n",
  "    report = JSON.parse(document.getElementById('wiretab-data').textContent);\n",
  "  } catch (e) {\n",
  "    document.body.setAttribute('data-charts-error', String(e));\n",
  "    return;\n",
  "  }\n",
  "\n",
  "  function get(path) {\n",
  "    var o = report;\n",
  "    for (var i = 0; i < path.length; i++) {\n",
  "      if (o === null || typeof o !== 'object' || !(path[i] in o)) return undefined;\n",
  "      o = o[path[i]];\n",
  "    }\n",
  "    return o;\n",
  "  }\n",
  "\n",
  "  function svgEl(tag, attrs, parent) {\n",
  "    var e = document.createElementNS(NS, tag);\n",
  "    for (var k in attrs) e.setAttribute(k, attrs[k]);\n",
  "    if (parent) parent.appendChild(e);\n",
  "    return e;\n",
  "  }\n",
  "\n",
  "  function text(parent, x, y, s, cls, anchor) {\n",
  "    var t = svgEl('text', { x: x, y: y, 'class': cls || 'lbl' }, parent);\n",
  "    if (anchor) t.setAttribute('text-anchor', anchor);\n",
  "    t.textContent = s;\n",
  "    return t;\n",
  "  }\n",
  "\n",
  "  function tip(node, s) {\n",
  "    svgEl('title', {}, node).textContent = s;\n",
  "  }\n",
  "\n",
  "  /* 1234567 -> 1.23M; small numbers keep three significant digits */\n",
  "  function short(v) {\n",
  "    var a = Math.abs(v), u = ['', 'k', 'M', 'G', 'T', 'P'], i = 0;\n",
  "    while (a >= 1000 && i < u.length - 1) { a /= 1000; v /= 1000; i++; }\n",
  "    if (i === 0 && Math.round(v) === v) return String(v);\n",
  "    return Number(v.toPrecision(3)) + u[i];\n",
  "  }\n",
  "\n",
  "  function full(v) {\n",
  "    return v.toLocaleString('en-US', { maximumFractionDigits: 3 });\n",
  "  }\n",
  "\n",
  "  function colorClass(spec, key, i) {\n",
  "    if (spec.color === 'status') {\n",
  "      var c = String(key).replace(/^http_/, '').charAt(0);\n",
  "      if (c >= '1' && c <= '5') return 's' + c;\n",
  "      return key === 'none' ? 'snone' : 'sother';\n",
  "    }\n",
  "    return spec.color === 'series' ? 'q' + (i % 8) : 'q0';\n",
  "  }\n",
  "\n",
  "  /* nice upper bound and step for an axis from 0 to max */\n",
  "  function niceMax(max) {\n",
  "    if (!(max > 0)) return { top: 1, step: 1 };\n",
  "    var p = Math.pow(10, Math.floor(Math.log(max) / Math.LN10)), steps = [1, 2, 2.5, 5, 10];\n",
  "    for (var i = 0; i < steps.length; i++) {\n",
  "      var st = steps[i] * p / 2;\n",
  "      if (Math.ceil(max / st) <= 5) return { top: Math.ceil(max / st) * st, step: st };\n",
  "    }\n",
  "    return { top: Math.ceil(max / p) * p, step: p };\n",
  "  }\n",
  "\n",
  "  function empty(fig, svg, w) {\n",
  "    svg.setAttribute('height', 30);\n",
  "    text(svg, w / 2, 20, fig.getAttribute('data-empty') || 'no data', 'lbl muted', 'middle');\n",
  "  }\n",
  "\n",
  "  /* Horizontal bars, one per key of an object of numbers. */\n",
  "  function drawBars(fig, spec, svg, w) {\n",
  "    var data = get(spec.path), keys = [], bars = 0;\n",
  "    if (data && typeof data === 'object') {\n",
  "      for (var k in data) {\n",
  "        if (typeof data[k] !== 'number') continue;\n",
  "        if (spec.exclude && spec.exclude.indexOf(k) >= 0) continue;\n",
  "        if (spec.include && spec.include.indexOf(k) < 0) continue;\n",
  "        if (spec.skipZero && data[k] === 0) continue;\n",
  "        keys.push(k);\n",
  "      }\n",
  "    }\n",
  "    if (!keys.length) { empty(fig, svg, w); return 0; }\n",
  "    var labels = spec.labels || {}, unit = spec.unit || '', total = 0, max = 0;\n",
  "    keys.forEach(function (k) { total += data[k]; max = Math.max(max, data[k]); });\n",
  "    var longest = 0;\n",
  "    keys.forEach(function (k) { longest = Math.max(longest, String(labels[k] || k).length); });\n",
  "    var lw = Math.min(Math.max(longest * 7 + 8, 40), Math.floor(w * 0.45));\n",
  "    var vw = 64, bw = Math.max(w - lw - vw, 20), rh = 24;\n",
  "    svg.setAttribute('height', keys.length * rh + 6);\n",
  "    keys.forEach(function (k, i) {\n",
  "      var v = data[k], y = i * rh + 3, len = max > 0 ? v / max * bw : 0;\n",
  "      var label = String(labels[k] || k);\n",
  "      var lt = text(svg, lw - 6, y + 15, label.length * 7 > lw ? label.slice(0, Math.max(3, Math.floor(lw / 7) - 1)) + '\\u2026' : label, 'lbl', 'end');\n",
  "      tip(lt, label);\n",
  "      var r = svgEl('rect', { x: lw, y: y + 2, width: Math.max(len, v > 0 ? 1 : 0), height: rh - 6,\n",
  "                              'class': 'bar ' + colorClass(spec, k, i), 'data-k': k, 'data-v': v }, svg);\n",
  "      var share = total > 0 && !unit ? ' (' + (v / total * 100).toFixed(1) + '%)' : '';\n",
  "      tip(r, label + ': ' + full(v) + (unit ? ' ' + unit : '') + share);\n",
  "      text(svg, lw + len + 4, y + 15, short(v) + (unit ? ' ' + unit : ''), 'val');\n",
  "      bars++;\n",
  "    });\n",
  "    return bars;\n",
  "  }\n",
  "\n",
  "  function legend(parent, series, labels, spec) {\n",
  "    var box = document.createElement('div');\n",
  "    box.className = 'legend';\n",
  "    series.forEach(function (s, i) {\n",
  "      var item = document.createElement('span');\n",
  "      var sw = document.createElement('i');\n",
  "      sw.className = 'sw ' + colorClass(spec, s, i);\n",
  "      item.appendChild(sw);\n",
  "      item.appendChild(document.createTextNode(labels[s] || s));\n",
  "      box.appendChild(item);\n",
  "    });\n",
  "    parent.appendChild(box);\n",
  "  }\n",
  "\n",
  "  /* Horizontal stacked bars: one row per table row, one segment per series. */\n",
  "  function drawStacked(fig, spec, svg, w) {\n",
  "    var rows = get(spec.path), labels = spec.labels || {}, segs = 0;\n",
  "    if (!Array.isArray(rows) || !rows.length) { empty(fig, svg, w); return 0; }\n",
  "    var max = 0;\n",
  "    rows.forEach(function (r) {\n",
  "      var t = 0;\n",
  "      spec.series.forEach(function (s) { t += r[s] || 0; });\n",
  "      r.__t = t;\n",
  "      max = Math.max(max, t);\n",
  "    });\n",
  "    var longest = 0;\n",
  "    rows.forEach(function (r) { longest = Math.max(longest, String(r[spec.rowKey]).length); });\n",
  "    var lw = Math.min(Math.max(longest * 7 + 8, 40), Math.floor(w * 0.45));\n",
  "    var vw = 56, bw = Math.max(w - lw - vw, 20), rh = 24;\n",
  "    svg.setAttribute('height', rows.length * rh + 6);\n",
  "    rows.forEach(function (r, i) {\n",
  "      var y = i * rh + 3, x = lw, name = String(r[spec.rowKey]);\n",
  "      text(svg, lw - 6, y + 15, name, 'lbl', 'end');\n",
  "      spec.series.forEach(function (s, j) {\n",
  "        var v = r[s] || 0;\n",
  "        if (!v) return;\n",
  "        var len = v / max * bw;\n",
  "        var rect = svgEl('rect', { x: x, y: y + 2, width: Math.max(len, 1), height: rh - 6,\n",
  "                                   'class': 'bar ' + colorClass(spec, s, j), 'data-k': name + '/' + s, 'data-v': v }, svg);\n",
  "        tip(rect, name + ' ' + (labels[s] || s) + ': ' + full(v));\n",
  "        x += len;\n",
  "        segs++;\n",
  "      });\n",
  "      text(svg, x + 4, y + 15, short(r.__t), 'val');\n",
  "      delete r.__t;\n",
  "    });\n",
  "    legend(fig, spec.series, labels, spec);\n",
  "    return segs;\n",
  "  }\n",
  "\n",
  "  /* Vertical bars over time (stacked when several fields), optionally per second. */\n",
  "  function drawSeries(fig, spec, svg, w) {\n",
  "    var rows = get(spec.path), labels = spec.labels || {}, bars = 0;\n",
  "    if (!Array.isArray(rows) || !rows.length) { empty(fig, svg, w); return 0; }\n",
  "    var iv = spec.interval ? get(spec.interval) : 1;\n",
  "    var scale = spec.perSecond && iv > 0 ? 1 / iv : 1;\n",
  "    var max = 0;\n",
  "    rows.forEach(function (r) {\n",
  "      var t = 0;\n",
  "      spec.fields.forEach(function (f) { t += (r[f] || 0) * scale; });\n",
  "      max = Math.max(max, t);\n",
  "    });\n",
  "    var nice = niceMax(max), h = 170, top = 8, left = 46, bottom = 22;\n",
  "    var pw = Math.max(w - left - 8, 20), ph = h - top - bottom;\n",
  "    svg.setAttribute('height', h);\n",
  "    for (var g = 0; g <= nice.top + nice.step / 2; g += nice.step) {\n",
  "      var gy = top + ph - g / nice.top * ph;\n",
  "      svgEl('line', { x1: left, x2: left + pw, y1: gy, y2: gy, 'class': 'grid' }, svg);\n",
  "      text(svg, left - 4, gy + 4, short(g), 'axis', 'end');\n",
  "    }\n",
  "    var bwid = pw / rows.length;\n",
  "    rows.forEach(function (r, i) {\n",
  "      var y = top + ph;\n",
  "      spec.fields.forEach(function (f, j) {\n",
  "        var v = (r[f] || 0) * scale;\n",
  "        if (!(v > 0)) return;\n",
  "        var bh = v / nice.top * ph;\n",
  "        y -= bh;\n",
  "        var rect = svgEl('rect', { x: left + i * bwid, y: y, width: Math.max(bwid - (bwid > 3 ? 1 : 0), 0.5),\n",
  "                                   height: bh, 'class': 'bar ' + colorClass(spec, f, j), 'data-k': r.time + '/' + f,\n",
  "                                   'data-v': r[f], 'data-i': i }, svg);\n",
  "        tip(rect, r.time + ' ' + (labels[f] || f) + ': ' + full(v) + (spec.perSecond ? '/s' : ''));\n",
  "        bars++;\n",
  "      });\n",
  "    });\n",
  "    var tw = String(rows[0].time).length * 6 + 24;\n",
  "    var ticks = Math.max(1, Math.min(rows.length, Math.floor(pw / tw)));\n",
  "    for (var t = 0; t < ticks; t++) {\n",
  "      var idx = ticks === 1 ? 0 : Math.round(t * (rows.length - 1) / (ticks - 1));\n",
  "      var tx = t === 0 ? left : t === ticks - 1 ? left + pw : left + (idx + 0.5) * bwid;\n",
  "      text(svg, tx, h - 6, String(rows[idx].time), 'axis', t === 0 ? 'start' : t === ticks - 1 ? 'end' : 'middle');\n",
  "    }\n",
  "    if (spec.fields.length > 1) legend(fig, spec.fields, labels, spec);\n",
  "    return bars;\n",
  "  }\n",
  "\n",
  "  var kinds = { bars: drawBars, stacked: drawStacked, series: drawSeries };\n",
  "\n",
  "  function drawAll() {\n",
  "    var figs = document.querySelectorAll('figure.chart'), drawn = 0;\n",
  "    for (var i = 0; i < figs.length; i++) {\n",
  "      var fig = figs[i], spec;\n",
  "      var old = fig.querySelectorAll('svg, .legend');\n",
  "      for (var j = 0; j < old.length; j++) fig.removeChild(old[j]);\n",
  "      try {\n",
  "        spec = JSON.parse(fig.getAttribute('data-spec'));\n",
  "        var cs = getComputedStyle(fig);\n",
  "        var w = Math.max(Math.floor(fig.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)), 160);\n",
  "        var cap = fig.querySelector('figcaption');\n",
  "        var svg = svgEl('svg', { width: w, 'class': 'plot', role: 'img',\n",
  "                                 'aria-label': cap ? cap.textContent : '' });\n",
  "        fig.appendChild(svg);\n",
  "        var n = kinds[spec.kind](fig, spec, svg, w);\n",
  "        fig.setAttribute('data-bars', n);\n",
  "        fig.setAttribute('data-drawn', 'yes');\n",
  "        drawn++;\n",
  "      } catch (e) {\n",
  "        fig.setAttribute('data-drawn', 'error');\n",
  "        fig.setAttribute('data-error', String(e));\n",
  "      }\n",
  "    }\n",
  "    document.body.setAttribute('data-charts', drawn);\n",
  "  }\n",
  "\n",
  "  var pending = null, lastWidth = window.innerWidth;\n",
  "  window.addEventListener('resize', function () {\n",
  "    if (window.innerWidth === lastWidth) return;\n",
  "    lastWidth = window.innerWidth;\n",
  "    clearTimeout(pending);\n",
  "    pending = setTimeout(drawAll, 150);\n",
  "  });\n",
  "  drawAll();\n",
  "})();\n",
  NULL,
};

/* ---------- escaping and number formatting ---------- */

static void append_escaped(GString *out, const char *s)
{
  if (!s)
    return;
  g_autofree char *valid = NULL;
  if (!g_utf8_validate(s, -1, NULL))
    s = valid = g_utf8_make_valid(s, -1);
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '&': g_string_append(out, "&amp;"); break;
    case '<': g_string_append(out, "&lt;"); break;
    case '>': g_string_append(out, "&gt;"); break;
    case '"': g_string_append(out, "&quot;"); break;
    case '\'': g_string_append(out, "&#39;"); break;
    default:
      /* control characters have no business in a page (U+0000-U+001F but tab/newline) */
      if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n')
        g_string_append(out, "\xef\xbf\xbd");
      else
        g_string_append_c(out, *p);
    }
  }
}

char *wt_html_escape(const char *s)
{
  GString *out = g_string_new(NULL);
  append_escaped(out, s);
  return g_string_free(out, FALSE);
}

static void append_json_str(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf(out, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf(out, "\\u%04x", *p);
    else
      g_string_append_c(out, (char) *p);
  }
  g_string_append_c(out, '"');
}

static void append_thousands(GString *out, guint64 v)
{
  char digits[32];
  int n = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, digits[i]);
  }
}

static void append_i64(GString *out, gint64 v)
{
  if (v < 0)
    g_string_append_c(out, '-');
  append_thousands(out, v < 0 ? (guint64) 0 - (guint64) v : (guint64) v);
}

/* Large numbers with separators, small ones with four significant digits. */
static void append_double(GString *out, double d)
{
  if (!isfinite(d))
    g_string_append(out, "-");
  else if (fabs(d) >= 1000 && fabs(d) < 1e18)
    append_i64(out, (gint64) llround(d));
  else if (d == floor(d))
    g_string_append_printf(out, "%.0f", d);
  else
    g_string_append_printf(out, "%.4g", d);
}

static void append_ts(GString *out, gint64 ts_ns)
{
  if (ts_ns == 0) {
    g_string_append(out, "-");
    return;
  }
  time_t secs = (time_t) (ts_ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  g_string_append_printf(out, "%s.%06d UTC", buf, (int) (ts_ns % 1000000000 / 1000));
}

/* ---------- the model, generically ---------- */

static gboolean is_scalar(WtItemKind k)
{
  return k <= WT_ITEM_LIST && k != WT_ITEM_MAP;
}

static void append_scalar(GString *out, const WtSection *s, guint i, const WtItemView *it)
{
  switch (it->kind) {
  case WT_ITEM_U64: append_thousands(out, it->u); break;
  case WT_ITEM_I64: append_i64(out, it->i); break;
  case WT_ITEM_DOUBLE: append_double(out, it->d); break;
  case WT_ITEM_STR: append_escaped(out, it->s); break;
  case WT_ITEM_BOOL: g_string_append(out, it->b ? "yes" : "no"); break;
  case WT_ITEM_TS: append_ts(out, it->i); break;
  case WT_ITEM_LIST:
    for (guint j = 0; j < it->n; j++) {
      if (j)
        g_string_append(out, ", ");
      append_escaped(out, wt_section_list_entry(s, i, j));
    }
    break;
  default: break;
  }
}

static void open_heading(GString *out, int depth, const char *label)
{
  int h = CLAMP(depth + 3, 3, 6);
  g_string_append_printf(out, "<h%d>", h);
  append_escaped(out, label);
  g_string_append_printf(out, "</h%d>\n", h);
}

static gboolean numeric_col(WtColType t)
{
  return t != WT_COL_STR;
}

#define TABLE_FOLD_ROWS 30 /* longer tables start folded (<details>) */

static void render_table(GString *out, const WtTable *t, const char *key, const char *label)
{
  guint ncols = wt_table_n_columns(t), nrows = wt_table_n_rows(t);
  gboolean fold = nrows > TABLE_FOLD_ROWS;
  if (fold) {
    g_string_append(out, "<details><summary>");
    append_escaped(out, label);
    g_string_append_printf(out, " (%u)</summary>\n", nrows);
  }
  if (nrows == 0) {
    g_string_append(out, "<div class=\"tw\"><table class=\"data\" data-key=\"");
    append_escaped(out, key);
    g_string_append(out, "\"><caption>");
    append_escaped(out, label);
    g_string_append(out, "</caption><tbody></tbody></table></div><p class=\"none\">(none)</p>\n");
    return;
  }
  g_string_append(out, "<div class=\"tw\"><table class=\"data\" data-key=\"");
  append_escaped(out, key);
  g_string_append(out, "\">");
  if (!fold) {
    g_string_append(out, "<caption>");
    append_escaped(out, label);
    g_string_append(out, "</caption>");
  }
  g_string_append(out, "\n<thead><tr>");
  for (guint c = 0; c < ncols; c++) {
    const char *ckey, *clabel;
    WtColType type;
    wt_table_column_info(t, c, &ckey, &clabel, &type);
    g_string_append_printf(out, "<th%s>", numeric_col(type) ? " class=\"n\"" : "");
    append_escaped(out, clabel);
    g_string_append(out, "</th>");
  }
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint r = 0; r < nrows; r++) {
    g_string_append(out, "<tr>");
    for (guint c = 0; c < ncols; c++) {
      WtCellView cell;
      if (!wt_table_get_cell(t, r, c, &cell)) {
        g_string_append(out, "<td></td>");
        continue;
      }
      switch (cell.type) {
      case WT_COL_STR:
        g_string_append(out, "<td class=\"s\">");
        append_escaped(out, cell.s);
        break;
      case WT_COL_U64:
        g_string_append(out, "<td class=\"n\">");
        append_thousands(out, cell.u);
        break;
      case WT_COL_I64:
        g_string_append(out, "<td class=\"n\">");
        append_i64(out, cell.i);
        break;
      case WT_COL_DOUBLE:
        g_string_append(out, "<td class=\"n\">");
        append_double(out, cell.d);
        break;
      case WT_COL_PERCENT: {
        double p = isfinite(cell.d) ? CLAMP(cell.d, 0.0, 100.0) : 0.0;
        g_string_append_printf(out, "<td class=\"n p\" style=\"--p:%.1f%%\">%.1f%%", p,
                               isfinite(cell.d) ? cell.d : 0.0);
        break;
      }
      }
      g_string_append(out, "</td>");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody></table></div>\n");
  if (fold)
    g_string_append(out, "</details>\n");
}

static void render_map(GString *out, const WtSection *s, guint i, const WtItemView *it)
{
  if (it->n == 0) {
    g_string_append(out, "<div class=\"tw\"><table><caption>");
    append_escaped(out, it->label);
    g_string_append(out, "</caption></table></div><p class=\"none\">(none)</p>\n");
    return;
  }
  guint64 total = 0;
  for (guint j = 0; j < it->n; j++) {
    guint64 v;
    wt_section_map_entry(s, i, j, &v);
    total += v;
  }
  g_string_append(out, "<div class=\"tw\"><table class=\"map\" data-key=\"");
  append_escaped(out, it->key);
  g_string_append(out, "\"><caption>");
  append_escaped(out, it->label);
  g_string_append(out, "</caption>\n<tbody>\n");
  for (guint j = 0; j < it->n; j++) {
    guint64 v;
    const char *name = wt_section_map_entry(s, i, j, &v);
    double p = total ? (double) v * 100.0 / (double) total : 0.0;
    g_string_append(out, "<tr><td class=\"s\">");
    append_escaped(out, name);
    g_string_append(out, "</td><td class=\"n\">");
    append_thousands(out, v);
    g_string_append_printf(out, "</td><td class=\"n p\" style=\"--p:%.1f%%\">%.1f%%</td></tr>\n",
                           p, p);
  }
  g_string_append(out, "</tbody></table></div>\n");
}

/* An object holding scalars only, the kind that repeats (protocols: ipv4 {packets, bytes},
 * ipv6 {...}): a run of them with the same keys reads best as one table. */
static gboolean is_flat_object(const WtItemView *it, const WtItemView *like)
{
  if (it->kind != WT_ITEM_OBJECT)
    return FALSE;
  guint n = wt_section_n_items(it->object);
  if (n == 0 || (like && n != wt_section_n_items(like->object)))
    return FALSE;
  for (guint j = 0; j < n; j++) {
    WtItemView a;
    wt_section_nth_item(it->object, j, &a);
    if (!is_scalar(a.kind))
      return FALSE;
    if (like) {
      WtItemView b;
      wt_section_nth_item(like->object, j, &b);
      if (strcmp(a.key, b.key) != 0)
        return FALSE;
    }
  }
  return TRUE;
}

static void render_object_run(GString *out, const WtSection *s, guint start, guint end)
{
  WtItemView first;
  wt_section_nth_item(s, start, &first);
  guint ncols = wt_section_n_items(first.object);
  g_string_append(out, "<div class=\"tw\"><table class=\"data\"><thead><tr><th></th>");
  for (guint c = 0; c < ncols; c++) {
    WtItemView col;
    wt_section_nth_item(first.object, c, &col);
    g_string_append_printf(out, "<th%s>", col.kind == WT_ITEM_STR ? "" : " class=\"n\"");
    append_escaped(out, col.label);
    g_string_append(out, "</th>");
  }
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint i = start; i < end; i++) {
    WtItemView row;
    wt_section_nth_item(s, i, &row);
    g_string_append(out, "<tr><th>");
    append_escaped(out, row.label);
    g_string_append(out, "</th>");
    for (guint c = 0; c < ncols; c++) {
      WtItemView v;
      wt_section_nth_item(row.object, c, &v);
      g_string_append_printf(out, "<td%s>", v.kind == WT_ITEM_STR ? " class=\"s\"" : " class=\"n\"");
      append_scalar(out, row.object, c, &v);
      g_string_append(out, "</td>");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody></table></div>\n");
}

static void render_items(GString *out, const WtSection *s, int depth)
{
  guint n = wt_section_n_items(s);
  guint i = 0;
  while (i < n) {
    WtItemView it;
    wt_section_nth_item(s, i, &it);
    if (is_scalar(it.kind)) {
      /* consecutive scalars: one label/value table */
      g_string_append(out, "<div class=\"tw\"><table class=\"kv\"><tbody>\n");
      for (; i < n; i++) {
        wt_section_nth_item(s, i, &it);
        if (!is_scalar(it.kind))
          break;
        g_string_append(out, "<tr><th>");
        append_escaped(out, it.label);
        g_string_append(out, "</th><td data-key=\"");
        append_escaped(out, it.key);
        g_string_append(out, "\">");
        append_scalar(out, s, i, &it);
        g_string_append(out, "</td></tr>\n");
      }
      g_string_append(out, "</tbody></table></div>\n");
      continue;
    }
    if (is_flat_object(&it, NULL)) {
      guint end = i + 1;
      for (; end < n; end++) {
        WtItemView next;
        wt_section_nth_item(s, end, &next);
        if (!is_flat_object(&next, &it))
          break;
      }
      if (end - i >= 2) {
        render_object_run(out, s, i, end);
        i = end;
        continue;
      }
    }
    switch (it.kind) {
    case WT_ITEM_MAP: render_map(out, s, i, &it); break;
    case WT_ITEM_TABLE: render_table(out, it.table, it.key, it.label); break;
    case WT_ITEM_OBJECT:
      g_string_append(out, "<div class=\"obj\">");
      open_heading(out, depth, it.label);
      render_items(out, it.object, depth + 1);
      g_string_append(out, "</div>\n");
      break;
    default: break;
    }
    i++;
  }
}

/* ---------- charts: the hints the taps wrote into the model ---------- */

static gboolean find_item(const WtSection *s, const char *key, WtItemView *out)
{
  if (!s)
    return FALSE;
  for (guint i = 0; i < wt_section_n_items(s); i++) {
    wt_section_nth_item(s, i, out);
    if (strcmp(out->key, key) == 0)
      return TRUE;
  }
  return FALSE;
}

static void append_labels(GString *spec, const WtSection *s, const WtChartHint *c,
                          const WtItemView *item)
{
  gboolean any = FALSE;
  g_string_append(spec, ",\"labels\":{");
  if (c->labels == WT_CHART_LABELS_ITEMS && item->kind == WT_ITEM_OBJECT) {
    for (guint i = 0; i < wt_section_n_items(item->object); i++) {
      WtItemView it;
      wt_section_nth_item(item->object, i, &it);
      if (any)
        g_string_append_c(spec, ',');
      append_json_str(spec, it.key);
      g_string_append_c(spec, ':');
      append_json_str(spec, it.label);
      any = TRUE;
    }
  }
  WtItemView tv;
  if ((c->labels == WT_CHART_LABELS_TABLE || c->labels == WT_CHART_LABELS_COLUMNS) &&
      find_item(s, c->label_table, &tv) && tv.kind == WT_ITEM_TABLE) {
    const WtTable *t = tv.table;
    if (c->labels == WT_CHART_LABELS_COLUMNS) {
      for (guint col = 0; col < wt_table_n_columns(t); col++) {
        const char *k, *l;
        wt_table_column_info(t, col, &k, &l, NULL);
        if (any)
          g_string_append_c(spec, ',');
        append_json_str(spec, k);
        g_string_append_c(spec, ':');
        append_json_str(spec, l);
        any = TRUE;
      }
    } else {
      gint kc = -1, lc = -1;
      for (guint col = 0; col < wt_table_n_columns(t); col++) {
        const char *k;
        wt_table_column_info(t, col, &k, NULL, NULL);
        if (strcmp(k, c->label_key) == 0)
          kc = (gint) col;
        if (strcmp(k, c->label_col) == 0)
          lc = (gint) col;
      }
      for (guint row = 0; kc >= 0 && lc >= 0 && row < wt_table_n_rows(t); row++) {
        WtCellView kv, lv;
        if (!wt_table_get_cell(t, row, (guint) kc, &kv) ||
            !wt_table_get_cell(t, row, (guint) lc, &lv) || lv.type != WT_COL_STR)
          continue;
        g_autofree char *k = kv.type == WT_COL_STR ? g_strdup(kv.s ? kv.s : "")
                             : kv.type == WT_COL_I64 ? g_strdup_printf("%" G_GINT64_FORMAT, kv.i)
                                                     : g_strdup_printf("%" G_GUINT64_FORMAT, kv.u);
        g_autofree char *l = g_strdup_printf("%s %s", k, lv.s ? lv.s : "");
        if (any)
          g_string_append_c(spec, ',');
        append_json_str(spec, k);
        g_string_append_c(spec, ':');
        append_json_str(spec, l);
        any = TRUE;
      }
    }
  }
  g_string_append_c(spec, '}');
}

static void render_charts(GString *out, const WtSection *s)
{
  const char *skey = wt_section_get_key(s);
  g_string_append(out, "<div class=\"charts\">");
  for (guint i = 0; i < wt_section_n_charts(s); i++) {
    const WtChartHint *c = wt_section_nth_chart(s, i);
    WtItemView item;
    if (!find_item(s, c->item, &item))
      continue;
    GString *spec = g_string_new("{\"kind\":");
    append_json_str(spec, c->kind);
    g_string_append(spec, ",\"path\":[");
    append_json_str(spec, skey);
    g_string_append_c(spec, ',');
    append_json_str(spec, c->item);
    g_string_append_c(spec, ']');
    if (c->options)
      g_string_append_printf(spec, ",%s", c->options);
    if (c->labels != WT_CHART_LABELS_NONE)
      append_labels(spec, s, c, &item);
    g_string_append_c(spec, '}');
    g_string_append_printf(out, "\n<figure class=\"chart%s\" data-chart=\"%u\" data-empty=\"",
                           c->wide ? " wide" : "", c->id);
    append_escaped(out, _("no data"));
    g_string_append(out, "\" data-spec=\"");
    append_escaped(out, spec->str);
    g_string_append(out, "\"><figcaption>");
    append_escaped(out, _(c->title));
    g_string_append(out, "</figcaption></figure>");
    g_string_free(spec, TRUE);
  }
  g_string_append(out, "</div>\n");
}

/* ---------- the page ---------- */

static void append_lines(GString *out, const char *const *lines)
{
  for (; *lines; lines++)
    g_string_append(out, *lines);
}

/* The JSON report inside <script>: '<', '>' and '&' only ever occur inside JSON strings,
 * where \u003c etc. mean the same, so "</script>" or "<!--" in a URI cannot end the
 * block. */
static void append_json_report(GString *out, WtReport *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem)
    return;
  wt_report_write_json(r, mem);
  fclose(mem);
  for (size_t i = 0; i < len; i++) {
    switch (buf[i]) {
    case '<': g_string_append(out, "\\u003c"); break;
    case '>': g_string_append(out, "\\u003e"); break;
    case '&': g_string_append(out, "\\u0026"); break;
    default: g_string_append_c(out, buf[i]);
    }
  }
  free(buf);
}

static void render_header(GString *out, WtReport *r)
{
  const WtSection *cap = wt_report_find_section(r, "capture");
  WtItemView it;
  g_string_append(out, "<header><h1>wiretab report</h1><p>");
  gboolean any = FALSE;
  guint idx = 0;
  for (; cap && idx < wt_section_n_items(cap); idx++) {
    wt_section_nth_item(cap, idx, &it);
    if (it.kind == WT_ITEM_LIST &&
        (strcmp(it.key, "files") == 0 || strcmp(it.key, "interfaces") == 0)) {
      append_scalar(out, cap, idx, &it);
      any = TRUE;
      break;
    }
  }
  if (find_item(cap, "packets", &it)) {
    g_string_append(out, any ? " &middot; " : "");
    append_thousands(out, it.u);
    g_string_append(out, " packets");
    any = TRUE;
  }
  if (find_item(cap, "first_ts", &it) && it.i) {
    g_string_append(out, any ? " &middot; " : "");
    append_ts(out, it.i);
    WtItemView d;
    if (find_item(cap, "duration", &d)) {
      g_string_append(out, ", ");
      append_double(out, d.d);
      g_string_append(out, " s");
    }
  }
  g_string_append(out, "</p></header>\n");
}

void wt_report_write_html(WtReport *r, FILE *out)
{
  GString *b = g_string_new(NULL);
  /* TRANSLATORS: the page's language tag (BCP 47): "zh-CN" for Simplified Chinese */
  g_string_append_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                         "<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta name=\"generator\" content=\"wiretab " WT_VERSION "\">\n"
                         "<title>%s</title>\n<style>\n", _("en"), _("wiretab report"));
  append_lines(b, page_css);
  g_string_append(b, "</style>\n</head>\n<body>\n");
  render_header(b, r);
  g_string_append(b, "<nav>");
  for (guint i = 0; i < wt_report_n_sections(r); i++) {
    const WtSection *s = wt_report_nth_section(r, i);
    g_string_append(b, "<a href=\"#sec-");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\">");
    append_escaped(b, wt_section_get_label(s));
    g_string_append(b, "</a>");
  }
  g_string_append(b, "</nav>\n<main>\n");
  for (guint i = 0; i < wt_report_n_sections(r); i++) {
    const WtSection *s = wt_report_nth_section(r, i);
    g_string_append(b, "<section id=\"sec-");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\" data-key=\"");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\"><h2>");
    append_escaped(b, wt_section_get_label(s));
    g_string_append(b, "</h2>\n");
    render_charts(b, s);
    render_items(b, s, 0);
    g_string_append(b, "</section>\n");
  }
  g_string_append(b, "</main>\n<footer>wiretab " WT_VERSION
                     " &middot; the numbers behind the charts are the JSON report in this page "
                     "(#wiretab-data)</footer>\n"
                     "<script type=\"application/json\" id=\"wiretab-data\">");
  append_json_report(b, r);
  g_string_append(b, "</script>\n<script>\n");
  append_lines(b, page_js);
  g_string_append(b, "</script>\n</body>\n</html>\n");
  fwrite(b->str, 1, b->len, out);
  g_string_free(b, TRUE);
}
