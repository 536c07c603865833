#!/usr/bin/env python3
"""The HTML report, in a real browser (headless Chromium over the DevTools pipe).

Expected numbers come from outside wiretab: the capture's truth file (nginx's access log,
curl's account), tshark's frame times and lengths, and a capture built byte by byte here
with hostile strings whose one request and response we know. The embedded JSON report is
only used to check that the page shows all of it (every section and table).

Static checks (self-contained page, embedded JSON, escaping) run without a browser; the
browser checks are skipped only when chromium is not installed."""
import decimal
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from tap import Tap, run_wiretab, project_root  # noqa: E402
import cdp  # noqa: E402

t = Tap()
tmp = tempfile.mkdtemp(prefix="wt-html-")
shots = os.environ.get("WT_HTML_SHOTS") or tmp
CAPTURE = os.path.join(project_root(), "captures", "http-veth-ipv4.pcap")
TCP_ONLY = os.path.join(project_root(), "captures", "tcp-rst-abort.pcap")


def read_truth(pcap):
    truth = {"method": {}, "status": {}}
    path = re.sub(r"\.pcap(ng)?$", ".truth.txt", pcap)
    for line in open(path):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] in ("method", "status"):
            truth[f[0]][f[1]] = int(f[2])
        elif len(f) == 2 and f[1].isdigit():
            truth[f[0]] = int(f[1])
    return truth


def html_report(pcap, out, extra=()):
    p = run_wiretab(["-r", pcap, "--format", "html", "-o", out] + list(extra))
    if p.returncode != 0:
        raise RuntimeError("wiretab failed: " + p.stderr)
    return open(out, encoding="utf-8").read()


def embedded_json(page):
    m = re.search(r'<script type="application/json" id="wiretab-data">(.*?)</script>', page,
                  re.S)
    return json.loads(m.group(1)) if m else None


def outside_data(page):
    return re.sub(r'(<script type="application/json" id="wiretab-data">).*?(</script>)',
                  r"\1\2", page, flags=re.S)


# ---------- a capture with hostile strings, built here ----------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


EVIL_URI = "/a</script><script>window.__pwned=1</script><!--&amp;'x"
EVIL_HOST = '"><img src=x onerror="window.__pwned=2">'
EVIL_UA = "</script><b id=ua>ua</b>"


def hostile_capture(path):
    c, s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n\r\n"
           % (EVIL_URI, EVIL_HOST, EVIL_UA)).encode()
    resp = (b"HTTP/1.1 404 <script>window.__pwned=3</script>\r\n"
            b"Content-Type: text/html<svg onload=alert(1)>\r\nContent-Length: 0\r\n\r\n")
    A, S, F, P = 0x10, 0x02, 0x01, 0x08
    frames = [
        tcp_frame(c, s, 40000, 80, 1000, 0, S),
        tcp_frame(s, c, 80, 40000, 5000, 1001, S | A),
        tcp_frame(c, s, 40000, 80, 1001, 5001, A),
        tcp_frame(c, s, 40000, 80, 1001, 5001, P | A, req),
        tcp_frame(s, c, 80, 40000, 5001, 1001 + len(req), P | A, resp),
        tcp_frame(c, s, 40000, 80, 1001 + len(req), 5001 + len(resp), F | A),
        tcp_frame(s, c, 80, 40000, 5001 + len(resp), 1002 + len(req), F | A),
        tcp_frame(c, s, 40000, 80, 1002 + len(req), 5002 + len(resp), A),
    ]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, 1000 * i, len(fr), len(fr)) + fr)


# ---------- static checks ----------

truth = read_truth(CAPTURE)
page_path = os.path.join(tmp, "report.html")
page = html_report(CAPTURE, page_path)
want = run_wiretab(["-r", CAPTURE, "--format", "json"])
report = json.loads(want.stdout)
t.ok(page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>"),
     "a complete HTML document")
t.eq(embedded_json(page), report, "the embedded JSON is the --format json report")
outside = outside_data(page)
external = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:|//)|<link\b|@import|url\(', outside)
t.eq(external, [], "self-contained: no external scripts, styles, fonts or images")
t.ok(re.search(r'<meta name="viewport" content="width=device-width', page) is not None,
     "a viewport meta for phones")
stdout_page = run_wiretab(["-r", CAPTURE, "--format", "html"]).stdout
t.eq(stdout_page, page, "without -o the same page goes to standard output")
for key in report:
    t.ok('<section id="sec-%s"' % key in page, "section %s is on the page" % key)

evil_pcap = os.path.join(tmp, "hostile.pcap")
hostile_capture(evil_pcap)
evil_path = os.path.join(tmp, "hostile.html")
evil_page = html_report(evil_pcap, evil_path)
evil_report = embedded_json(evil_page)
t.ok(evil_report is not None and evil_report.get("http", {}).get("requests") == 1,
     "hostile capture: the embedded JSON parses and has its one request",
     json.dumps(evil_report)[:300] if evil_report else evil_page[:300])
t.ok("<img" not in evil_page and "<b id=ua>" not in evil_page and "<svg onload" not in evil_page,
     "hostile capture: packet strings never appear as markup")
t.eq(len(re.findall(r"<script", evil_page)), 2, "hostile capture: only the page's two scripts")
t.ok("&lt;img src=x onerror=" in evil_page or "\\u003cimg" in evil_page,
     "hostile capture: the host is shown escaped")

# ---------- in the browser ----------

chromium = cdp.find_chromium()
if not chromium:
    t.skip("browser checks", "chromium is not installed (apt-get install chromium)")
    t.done()

# tshark's frame times and lengths, bucketed at the report's interval
def tshark_rows(pcap, interval_s):
    if not shutil.which("tshark"):
        return None
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.time_epoch",
                          "-e", "frame.len"], capture_output=True, text=True).stdout
    iv = round(decimal.Decimal(str(interval_s)) * 10 ** 9)
    rows = {}
    for line in out.splitlines():
        ts, ln = line.split("\t")
        ns = int(decimal.Decimal(ts) * 10 ** 9)
        k = ns // iv
        p, b = rows.get(k, (0, 0))
        rows[k] = (p + 1, b + int(ln))
    return iv, rows


DOM_FACTS = r"""(function () {
  function figs() {
    var out = [];
    document.querySelectorAll('figure.chart').forEach(function (f) {
      var spec = JSON.parse(f.getAttribute('data-spec'));
      var svg = f.querySelector('svg');
      var cs = getComputedStyle(f);
      var inner = f.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      var bars = [], overflow = 0;
      f.querySelectorAll('rect.bar').forEach(function (r) {
        var x = parseFloat(r.getAttribute('x')), w = parseFloat(r.getAttribute('width'));
        if (x + w > parseFloat(svg.getAttribute('width')) + 1) overflow++;
        bars.push([r.getAttribute('data-k'), parseFloat(r.getAttribute('data-v')),
                   r.getAttribute('data-i')]);
      });
      out.push({title: f.querySelector('figcaption').textContent, spec: spec,
                drawn: f.getAttribute('data-drawn'), n: +f.getAttribute('data-bars'),
                error: f.getAttribute('data-error'), bars: bars, overflow: overflow,
                svgWidth: svg ? svg.getBoundingClientRect().width : -1, inner: inner});
    });
    return out;
  }
  var tables = {};
  document.querySelectorAll('section[data-key]').forEach(function (s) {
    var t = {};
    s.querySelectorAll('table[data-key]').forEach(function (tb) {
      t[tb.getAttribute('data-key')] = tb.tBodies.length ? tb.tBodies[0].rows.length : 0;
    });
    tables[s.getAttribute('data-key')] = t;
  });
  var wideTables = 0;
  document.querySelectorAll('table').forEach(function (tb) {
    var box = tb.closest('.tw');
    if (!box || box.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      wideTables++;
  });
  return {width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
          charts: document.body.getAttribute('data-charts'),
          chartsError: document.body.getAttribute('data-charts-error'),
          pwned: typeof window.__pwned === 'undefined' ? null : window.__pwned,
          imgs: document.querySelectorAll('img').length,
          uaElement: document.getElementById('ua') !== null,
          text: document.body.innerText, figs: figs(), tables: tables,
          wideTables: wideTables};
})()"""


def chart(facts, title):
    for f in facts["figs"]:
        if f["title"] == title:
            return f
    return None


def bar_map(f):
    return {k: int(v) for k, v, _ in f["bars"]} if f else None


def json_tables(section, prefix=""):
    """Every table (array of objects) of a JSON section: key -> rows."""
    out = {}
    for k, v in section.items():
        if isinstance(v, list) and (not v or isinstance(v[0], dict)):
            out[k] = len(v)
        elif isinstance(v, dict):
            out.update(json_tables(v))
    return out


def not_blank(png, name):
    w, h, rows = cdp.png_pixels(png)
    px = [p for row in rows for p in row]
    bg = max(set(px[::7]), key=px[::7].count)
    ink = sum(1 for p in px if abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) > 60)
    colour = sum(1 for p in px if max(p) - min(p) > 80)
    t.ok(ink > len(px) * 0.03 and colour > len(px) * 0.01,
         "%s: the screenshot is not blank (%d%% ink, %d%% coloured bars)"
         % (name, ink * 100 // len(px), colour * 100 // len(px)),
         "size %dx%d background %r" % (w, h, bg))


browser = cdp.Browser(chromium)
try:
    browser.open_page()
    tl = report["timeline"]
    tsh = tshark_rows(CAPTURE, tl["interval"])
    for width, mobile in ((1280, False), (390, True)):
        name = "%dpx" % width
        browser.load("file://" + page_path, width, 900, mobile)
        facts = browser.eval(DOM_FACTS)
        t.eq(facts["width"], width, name + ": viewport width")
        t.ok(facts["chartsError"] is None and not browser.console_errors(),
             name + ": no script errors", facts["chartsError"] or browser.console_errors())
        figs = facts["figs"]
        t.ok(len(figs) >= 10 and facts["charts"] == str(len(figs)),
             name + ": %d charts drawn" % len(figs), facts["charts"])
        t.eq([f["title"] for f in figs if f["drawn"] != "yes"], [],
             name + ": every chart says it was drawn")
        t.ok(facts["scrollWidth"] <= width, name + ": no horizontal scrolling of the page",
             "scrollWidth %d" % facts["scrollWidth"])
        t.eq([f["title"] for f in figs if f["svgWidth"] > f["inner"] + 1 or f["overflow"]], [],
             name + ": every chart fits its box")
        t.eq(facts["wideTables"], 0, name + ": every table scrolls inside its own box")

        # against the truth file (nginx's access log, curl)
        t.eq(bar_map(chart(facts, "Responses by status code")), truth["status"],
             name + ": status-code bars = the access log's status counts")
        t.eq(bar_map(chart(facts, "Requests by method")), truth["method"],
             name + ": method bars = the access log's methods")
        classes = {}
        for code, n in truth["status"].items():
            classes[code[0] + "xx"] = classes.get(code[0] + "xx", 0) + n
        t.eq(bar_map(chart(facts, "Responses by status class")), classes,
             name + ": status-class bars = the access log's classes")
        stacked = chart(facts, "Methods by status class")
        per_method = {}
        for k, v, _ in stacked["bars"] if stacked else []:
            m = k.split("/")[0]
            per_method[m] = per_method.get(m, 0) + int(v)
        t.eq(per_method, truth["method"], name + ": methods x class segments add up per method")
        states = chart(facts, "Connection states (Zeek conn_state)")
        t.eq(sum(v for _, v, _ in states["bars"]) if states else None, truth["connections"],
             name + ": connection-state bars add up to the connections curl made")
        req_tl = chart(facts, "HTTP requests per second")
        t.eq(sum(v for _, v, _ in req_tl["bars"]) if req_tl else None, truth["requests"],
             name + ": HTTP requests over time add up to the access log's requests")
        resp_tl = chart(facts, "HTTP responses per second by status class")
        t.eq(sum(v for _, v, _ in resp_tl["bars"]) if resp_tl else None,
             sum(truth["status"].values()),
             name + ": responses over time add up to the access log's responses")
        for title, obj in (("Handshake RTT, SYN to ACK (ms)", report["tcp"]["rtt_ms"]),
                           ("Response time to first byte (ms)",
                            report["http"]["time_to_first_byte"])):
            f = chart(facts, title)
            keys = [k for k, v in obj.items() if k not in ("samples", "count")
                    and isinstance(v, (int, float))]
            t.eq(f and [k for k, _, _ in f["bars"]], keys, name + ": " + title + " has its bars")

        # the timeline against tshark
        pk = chart(facts, "Packets per second")
        if tsh is None:
            t.skip(name + ": timeline vs tshark", "tshark is not installed")
        else:
            iv, rows = tsh
            first = round(decimal.Decimal(str(tl["timeline"][0]["ts"])) * 10 ** 9) // iv
            got = {first + int(i): int(v) for _, v, i in pk["bars"]}
            t.eq(got, {k: p for k, (p, _) in rows.items()},
                 name + ": packets per interval = tshark's frames bucketed at %s s"
                 % tl["interval"])
            bits = chart(facts, "Bits per second")
            got_bits = {first + int(i): round(v) for _, v, i in bits["bars"]}
            want_bits = {k: round(b * 8 * 10 ** 9 / iv) for k, (_, b) in rows.items()}
            t.eq(got_bits, want_bits, name + ": bits per second = tshark's lengths x 8 / interval")

        # every table of the report is on the page with all its rows
        missing = []
        for skey, sec in report.items():
            if not isinstance(sec, dict):
                continue
            for tkey, n in json_tables(sec).items():
                if facts["tables"].get(skey, {}).get(tkey) != n:
                    missing.append("%s.%s: %s rows, page %s"
                                   % (skey, tkey, n, facts["tables"].get(skey, {}).get(tkey)))
        t.eq(missing, [], name + ": every table of the report, every row")

        # a picture a person would see: the first HTTP chart and the timeline
        browser.eval("document.querySelector('nav').style.position = 'static'")
        for sel in ("#sec-http figure.chart", "#sec-timeline figure.chart"):
            rect = browser.eval("(function(){var r=document.querySelector(%r)"
                                ".getBoundingClientRect();return {x:r.left+scrollX,"
                                "y:r.top+scrollY,width:r.width,height:r.height};})()" % sel)
            png = browser.screenshot(rect)
            shot = os.path.join(shots, "html-%s-%s.png" % (name, sel.split()[0][5:]))
            open(shot, "wb").write(png)
            not_blank(png, "%s: %s" % (name, sel))
        full = browser.screenshot()
        open(os.path.join(shots, "html-%s-top.png" % name), "wb").write(full)
        t.ok(len(full) > 5000, name + ": the top of the page renders")

    # hostile strings: shown as text, never run
    browser.load("file://" + evil_path, 1280, 900)
    facts = browser.eval(DOM_FACTS)
    t.ok(facts["pwned"] is None and facts["imgs"] == 0 and not facts["uaElement"],
         "hostile capture: no injected script ran, no injected element exists",
         "pwned=%r imgs=%r ua=%r" % (facts["pwned"], facts["imgs"], facts["uaElement"]))
    t.ok(EVIL_HOST in facts["text"] and EVIL_UA in facts["text"],
         "hostile capture: host and user agent read exactly as sent")
    t.ok(EVIL_URI.split("?")[0] in facts["text"] or "/a</script>" in facts["text"],
         "hostile capture: the URI reads as sent")
    t.eq(bar_map(chart(facts, "Responses by status code")), {"404": 1},
         "hostile capture: one 404 bar")

    # a capture without HTTP: TCP charts only, and no empty HTTP charts
    tcp_page = os.path.join(tmp, "tcp.html")
    html_report(TCP_ONLY, tcp_page)
    browser.load("file://" + tcp_page, 390, 900, True)
    facts = browser.eval(DOM_FACTS)
    titles = [f["title"] for f in facts["figs"]]
    t.ok("Connection states (Zeek conn_state)" in titles and
         not any(x.startswith("HTTP") or x.startswith("Responses") for x in titles),
         "TCP-only capture: connection charts, no HTTP charts", titles)
    t.eq([f["title"] for f in facts["figs"] if f["drawn"] != "yes"], [],
         "TCP-only capture: every chart drawn")
    states = chart(facts, "Connection states (Zeek conn_state)")
    t.eq(sum(v for _, v, _ in states["bars"]), 1, "TCP-only capture: its one connection")

    # no packets at all: the page still works, charts say there is nothing to draw
    empty_pcap = os.path.join(tmp, "empty.pcap")
    with open(empty_pcap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    empty_page = os.path.join(tmp, "empty.html")
    html_report(empty_pcap, empty_page)
    browser.events = []
    browser.load("file://" + empty_page, 390, 900, True)
    facts = browser.eval(DOM_FACTS)
    t.ok(facts["chartsError"] is None and not browser.console_errors() and
         all(f["drawn"] == "yes" for f in facts["figs"]),
         "empty capture: no script errors, every chart drawn",
         [(f["title"], f["drawn"], f["error"]) for f in facts["figs"]])
    pk = chart(facts, "Packets per second")
    t.ok(pk is not None and pk["n"] == 0 and not any(x["title"].startswith("Responses")
                                                     for x in facts["figs"]),
         "empty capture: an empty timeline chart, no HTTP charts")
finally:
    browser.close()
    if not os.environ.get("WT_HTML_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)

t.done()
