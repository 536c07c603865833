#!/usr/bin/env python3
"""Live view: `wiretab -i VETH --interval 1 --duration N` under a pseudo-terminal redraws a
screen every second, then leaves it and prints the final report; with stdout a pipe it
prints one line per interval instead (on stderr when a JSON report follows on stdout);
with -w the live frames are saved as pcap. Traffic: curl to a python http.server across a
veth pair between two namespaces this test creates (root only, skipped otherwise). The
request count comes from curl (each fetch made and answered 200), not from wiretab."""
import json
import os
import re
import shutil
import subprocess
import threading
import time

from uxlib import Tap, wiretab_path, run_pty, VethPair, can_use_netns, capinfos_count

t = Tap()
if not can_use_netns():
    t.skip_all("needs root, ip and curl (network namespaces)")


def fetch_loop(v, n, gap, result):
    time.sleep(1.0)  # wiretab is capturing by then (it opens the interface at once)
    ok = 0
    for i in range(n):
        if v.curl("/?i=%d" % i) == "200":
            ok += 1
        time.sleep(gap)
    result.append(ok)


with VethPair("l") as v:
    time.sleep(0.3)
    # --- terminal: refreshed screens, then the report -----------------------------------
    done = []
    th = threading.Thread(target=fetch_loop, args=(v, 15, 0.12, done))
    saved = os.path.join(v.work, "live.pcap")
    env = dict(os.environ, LANG="C.UTF-8", LANGUAGE="")
    env.pop("LC_ALL", None)
    env.pop("NO_COLOR", None)
    # -Z root: run as root keeps root, so nothing (no -Z notice) precedes the view's first
    # screen and -w's rename in the test's directory works whatever users exist
    argv = v.ns(v.ns_cli, wiretab_path(), "-i", v.if_cli, "--interval", "1", "--duration", "5",
                "-w", saved, "-Z", "root")
    th.start()
    rc, out = run_pty(argv, env=env, timeout=30)
    th.join()
    text = out.decode("utf-8", "replace")
    t.eq(rc, 0, "exit 0")
    screens = re.findall(r"\x1b\[H\x1b\[1mwiretab on " + re.escape(v.if_cli), text)
    t.ok(4 <= len(screens) <= 7, "a screen at once, then one per second in 5 s (%d)"
         % len(screens),
         text[:500])
    t.ok(text.startswith("\x1b[?1049h"), "the view uses the alternate screen")
    for label in ("Packets/s", "Bits/s", "Connections", "HTTP", "Status classes",
                  "Kernel drops", "Top hosts"):
        t.ok(label in text, "the screen shows " + label)
    t.ok(v.ip_srv in text and v.ip_cli in text, "top talkers name both hosts")
    rates = [float(x.replace(",", "")) for x in re.findall(r"HTTP\s+([\d.,]+) requests/s", text)]
    t.ok(any(r > 0 for r in rates), "HTTP requests/s seen during the traffic", rates)
    leave = text.rfind("\x1b[?1049l")
    t.ok(leave > 0 and text.find("== Capture summary ==", leave) > leave,
         "the screen is left, then the final report follows")
    report = text[leave:]
    m = re.search(r"^  Requests\s+([\d,]+)", report, re.M)
    t.eq(int(m.group(1).replace(",", "")) if m else None, done[0] if done else -1,
         "final report: HTTP requests equal the fetches curl made")
    m = re.search(r"^  Packets\s+([\d,]+)", report, re.M)
    n_report = int(m.group(1).replace(",", "")) if m else None
    t.eq(capinfos_count(saved) if os.path.exists(saved) else None, n_report,
         "-w live: capinfos counts the report's packets")
    t.ok(n_report and n_report > 100, "the live capture saw the traffic (%s)" % n_report)

    # --- pipe: one line per interval ----------------------------------------------------
    done = []
    th = threading.Thread(target=fetch_loop, args=(v, 15, 0.12, done))
    th.start()
    p = subprocess.run(v.ns(v.ns_cli, wiretab_path(), "-i", v.if_cli, "--interval", "1",
                            "--duration", "4.5", "--format", "json"),
                       capture_output=True, text=True, env=env, timeout=30)
    th.join()
    lines = [l for l in p.stderr.splitlines() if " pkt/s, " in l]
    t.ok(4 <= len(lines) <= 5, "not a terminal: one line per interval on stderr (%d)" % len(lines),
         p.stderr)
    t.ok(all(re.search(r"\d+ active conns, [\d.,]+ new conns/s, [\d.,]+ HTTP req/s, status "
                       r"1xx=\d+ 2xx=\d+ 3xx=\d+ 4xx=\d+ 5xx=\d+", l) for l in lines),
         "each line has rates, connections and status classes", lines)
    try:
        rep = json.loads(p.stdout)
        t.eq(rep["http"]["requests"], done[0], "stdout is the JSON report alone; requests = curl's")
    except ValueError as e:
        t.ok(False, "stdout is the JSON report alone", "%s\n%s" % (e, p.stdout[:300]))
    statuses = sum(int(x) for l in lines for x in re.findall(r"2xx=(\d+)", l))
    t.ok(0 < statuses <= done[0], "2xx responses counted in the lines (%d of %d)" % (statuses, done[0]))
t.done()
