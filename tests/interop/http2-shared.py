#!/usr/bin/env python3
"""HTTP/2 against the public captures in $WT_SHARED_CAPTURES/http2 (Suricata's test suite,
with Suricata's expectations and tshark's outputs next to them): skipped when the folder
is absent. The expected counts are tshark's (its stored summary, or with decode-as for the
odd port where ORACLE_NOTES.tsv says so), differences worked out by hand below."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_json, shared_captures  # noqa: E402

t = Tap()
folder = os.path.join(shared_captures(), "http2")
if not os.path.isdir(folder):
    t.skip_all("no " + folder)

# capture: (http methods, http status codes, versions, http2 streams, http2 extra checks, why)
CASES = {
    # h2c prior knowledge on port 3000: tshark -d tcp.port==3000,http2 and Suricata's
    # test.yaml: 6 GETs, 6 x 200 (ORACLE_NOTES.tsv)
    "sv-http2-basic.pcap": ({"GET": 6}, {"200": 6}, {"2": 6}, 6, {}),
    # DNS over HTTPS in the clear: tshark counts GET=4 and 200=4; the fourth 200 arrives
    # after the client's RST_STREAM(CANCEL) of stream 7, so wiretab reports that stream as
    # reset before its response (issue 16's rule) and the late HEADERS as no answer
    "sv-http2-doh.pcap": ({"GET": 4}, {"200": 3}, {"2": 4}, 4,
                          {"streams_reset": 1, "rst_stream_errors": {"CANCEL": 1}}),
    # the server's SETTINGS comes before the client's preface: found by the server-side
    # probe. tshark: GET=1, 403=1 / GET=1, 400=1
    "sv-http2-authority-mismatch.pcap": ({"GET": 1}, {"403": 1}, {"2": 1}, 1, {}),
    "sv-http2-userinfo-authority.pcap": ({"GET": 1}, {"400": 1}, {"2": 1}, 1, {}),
    # h2c by Upgrade (101 Switching Protocols, then HTTP/2; the upgraded request is stream 1):
    # tshark's http tree (the HTTP/1.1 request lines and 101s) plus its http2 tree (the
    # upgraded connections' streams; tshark shows no :method for stream 1, whose request was
    # HTTP/1.1) give every method and status: upgrade GET=1+1, 101=1, 200=1, 404=1;
    # deflate GET=1, 101=1, 200=1; range GET=5, 101=3, 206=2+3. The upgraded requests are
    # counted once each, as version 2; the range capture's two requests that were not
    # upgraded stay HTTP/1.1
    "sv-http2-upgrade.pcap": ({"GET": 2}, {"101": 1, "200": 1, "404": 1}, {"2": 2}, 2,
                              {"upgrades": 1}),
    "sv-http2-deflate.pcap": ({"GET": 1}, {"101": 1, "200": 1}, {"2": 1}, 1, {"upgrades": 1}),
    "sv-http2-range.pcap": ({"GET": 5}, {"101": 3, "206": 5}, {"1.1": 2, "2": 3}, 3,
                            {"upgrades": 3}),
}

for name, (methods, statuses, versions, streams, extra) in sorted(CASES.items()):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        t.skip(name, "not in " + folder)
        continue
    rep = wiretab_json(["-r", path])
    h, h2 = rep["http"], rep["http2"]
    t.eq(h["methods"], methods, "%s: methods" % name)
    t.eq(h["status_codes"], statuses, "%s: status codes" % name)
    t.eq({r["version"]: r["count"] for r in h["versions"]}, versions, "%s: versions" % name)
    t.eq(h2["streams"], streams, "%s: http2 streams" % name)
    t.eq(h2["hpack_desync"], 0, "%s: no undecodable header block" % name)
    for k, v in extra.items():
        t.eq(h2[k], v, "%s: http2 %s" % (name, k))
    t.eq({k: v for k, v in rep["anomalies"].items() if k.startswith("http2.")}, {},
         "%s: no http2 anomalies" % name)
t.done()
