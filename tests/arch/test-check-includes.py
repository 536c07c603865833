#!/usr/bin/env python3
"""check-includes.py fails when a rule is broken: small fake source trees in a temporary
directory, one per rule, each must make the checker exit non-zero and name the rule; a
clean tree (with a printf only in comments and strings) must pass.

    tests/arch/test-check-includes.py [CHECKER]   (default: check-includes.py next to this)
"""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(
    HERE, "check-includes.py")

# A tree that keeps every rule: the layers, decoders using the IP layer's public headers,
# the registry naming the application dissectors, a FILE * writer outside cli, and a
# printf/stdout that appear only in comments and strings.
CLEAN = {
    "analyzer/core/packet.h": '#pragma once\n#include <glib.h>\n#include "analyzer/core/reader.h"\n',
    "analyzer/core/reader.h": "#pragma once\n#include <stdio.h>\n",
    "analyzer/core/decoder.h": '#pragma once\n#include "packet.h"\n',
    "analyzer/core/stream.h": '#pragma once\n#include "analyzer/core/packet.h"\n',
    "analyzer/report/report.h": "#pragma once\n#include <glib.h>\n",
    "analyzer/report/report.c": '#include "analyzer/report/report.h"\n'
                                "void wt_report_write(FILE *out) { fprintf(out, \"{}\\n\"); }\n",
    "analyzer/pipeline/decode.c": '#include "analyzer/core/decoder.h"\n'
                                  '#include "dissectors/link/link.h"\n'
                                  '#include "dissectors/ip/ip.h"\n'
                                  '#include "dissectors/tcp/tcp-header.h"\n'
                                  '#include "dissectors/udp/udp-header.h"\n',
    "analyzer/pipeline/registry.c": '#include "dissectors/http/http.h"\n'
                                    '#include "dissectors/dns/dns.h"\n'
                                    "static const void *all[] = { &wt_http_dissector, "
                                    "&wt_dns_dissector };\n",
    "analyzer/pipeline/analyzer.c": '#include "dissectors/tcp/tcp.h"\n'
                                    "/* printf(\"x\"); puts(stdout); wt_http_dissector */\n"
                                    "// fprintf(stderr, \"y\");\n"
                                    "static const char *m = \"printf(stdout) and wt_http_x\";\n"
                                    "static const char c = '\"';\n"
                                    "static const char *n = \"stderr\";\n",
    "analyzer/output/fleet-report.c": '#include "dissectors/http/http.h"\n'
                                      '#include "analyzer/report/report.h"\n',
    "analyzer/cli/main.c": '#include <stdio.h>\nint main(void) { printf("hi\\n"); '
                           "fputs(\"x\", stderr); return 0; }\n",
    "dissectors/link/link.h": '#pragma once\n#include "analyzer/core/decoder.h"\n',
    "dissectors/link/eth.c": '#include "dissectors/link/link.h"\n#include "dissectors/ip/ip.h"\n',
    "dissectors/ip/ip.h": '#pragma once\n#include "analyzer/core/packet.h"\n',
    "dissectors/ip/inet-checksum.h": '#pragma once\n#include "analyzer/core/packet.h"\n',
    "dissectors/ip/ip4.c": '#include "ip.h"\n#include "dissectors/ip/inet-checksum.h"\n'
                           '#include "analyzer/core/decoder.h"\n',
    "dissectors/tcp/tcp.h": '#pragma once\n#include "analyzer/core/stream.h"\n'
                            '#include "analyzer/report/report.h"\n',
    "dissectors/tcp/tcp-header.h": '#pragma once\n#include "analyzer/core/packet.h"\n',
    "dissectors/tcp/tcp-header.c": '#include "dissectors/tcp/tcp-header.h"\n'
                                   '#include "dissectors/ip/ip.h"\n'
                                   '#include "dissectors/ip/inet-checksum.h"\n'
                                   '#include "analyzer/core/decoder.h"\n',
    "dissectors/udp/udp-header.h": '#pragma once\n#include "analyzer/core/packet.h"\n',
    "dissectors/udp/udp-header.c": '#include "dissectors/udp/udp-header.h"\n'
                                   '#include "dissectors/ip/inet-checksum.h"\n',
    "dissectors/http/http.h": '#pragma once\n#include "analyzer/core/stream.h"\n',
    "dissectors/http/http-stats.h": '#pragma once\n#include "analyzer/report/report.h"\n',
    "dissectors/http/http-session.c": '#include "dissectors/http/http.h"\n'
                                      '#include "http-stats.h"\n'
                                      "void f(FILE *out) { fputs(\"printf\", out); }\n",
    "dissectors/dns/dns.h": '#pragma once\n#include "analyzer/core/stream.h"\n',
    "dissectors/http2/http2-session.c": '#include "dissectors/http2/http2.h"\n'
                                        '#include "dissectors/http/http.h"\n',
    "dissectors/http2/http2.h": '#pragma once\n#include "analyzer/core/stream.h"\n',
}

# One broken rule each: (name, files changed or added, the rule the checker must name,
# a path the violation must point at).
BROKEN = [
    ("a dissector includes the pipeline",
     {"dissectors/dns/dns-session.c": '#include "analyzer/pipeline/flow-table.h"\n'},
     "dissector-includes", "dissectors/dns/dns-session.c:1:"),
    ("a dissector includes the cli",
     {"dissectors/tcp/tcp.c": '#include "dissectors/tcp/tcp.h"\n'
                              '#include "analyzer/cli/conn-filter.h"\n'},
     "dissector-includes", "dissectors/tcp/tcp.c:2:"),
    ("an application dissector includes another's private header",
     {"dissectors/dns/dns-session.c": '#include "dissectors/http/http-stats.h"\n'},
     "dissector-includes", "dissectors/dns/dns-session.c:1:"),
    ("an application dissector includes another's private header next to its public one",
     {"dissectors/http2/http2-session.c": '#include "dissectors/http/http-stats.h"\n'},
     "dissector-includes", "dissectors/http2/http2-session.c:1:"),
    ("an application dissector includes a transport's public header",
     {"dissectors/http2/http2-session.c": '#include "dissectors/http2/http2.h"\n'
                                          '#include "dissectors/udp/udp.h"\n'},
     "dissector-includes", "dissectors/http2/http2-session.c:2:"),
    ("a non-decoder includes the IP layer's decoder header",
     {"dissectors/http/http-parse.c": '#include "dissectors/ip/ip.h"\n'},
     "dissector-includes", "dissectors/http/http-parse.c:1:"),
    ("tcp includes http",
     {"dissectors/tcp/tcp.c": '#include "dissectors/tcp/tcp.h"\n\n'
                              '#include "dissectors/http/http.h"\n'},
     "tcp-no-app", "dissectors/tcp/tcp.c:3:"),
    ("tcp includes a future application dissector",
     {"dissectors/quic/quic.h": "#pragma once\n",
      "dissectors/tcp/tcp.c": '#  include "../quic/quic.h"\n'},
     "tcp-no-app", "dissectors/tcp/tcp.c:1:"),
    ("http includes tcp",
     {"dissectors/http/http-session.c": '#include "dissectors/tcp/tcp.h"\n'},
     "app-no-tcp", "dissectors/http/http-session.c:1:"),
    ("the pipeline includes http outside registry.c",
     {"analyzer/pipeline/analyzer.c": '#include "dissectors/tcp/tcp.h"\n'
                                      '#include "dissectors/http/http.h"\n'},
     "pipeline-names-app", "analyzer/pipeline/analyzer.c:2:"),
    ("the pipeline names an http symbol outside registry.c",
     {"analyzer/pipeline/analyzer.c": "/* no include: a declaration of its own */\n"
                                      "int f(void) { return WT_HTTP_dissector.n; }\n"},
     "pipeline-names-app", "analyzer/pipeline/analyzer.c:2:"),
    ("the report includes a dissector",
     {"analyzer/report/report-html.c": '#include "analyzer/report/report.h"\n'
                                       '#include "dissectors/http/http.h"\n'},
     "report-renders-model", "analyzer/report/report-html.c:2:"),
    ("the report includes the pipeline",
     {"analyzer/report/report-html.c": '#include <analyzer/pipeline/timeline.h>\n'},
     "report-renders-model", "analyzer/report/report-html.c:1:"),
    ("output includes a private dissector header",
     {"analyzer/output/fleet-report.c": '#include "dissectors/http/http.h"\n'
                                        '#include "dissectors/http/http-stats.h"\n'},
     "output-public-headers", "analyzer/output/fleet-report.c:2:"),
    ("core includes the pipeline",
     {"analyzer/core/stream.h": '#pragma once\n#include "analyzer/core/packet.h"\n'
                                '#include "analyzer/pipeline/timeline.h"\n'},
     "core-self-contained", "analyzer/core/stream.h:3:"),
    ("core includes the report writers",
     {"analyzer/core/histogram.h": '#pragma once\n#include "../report/report-html.h"\n'},
     "core-self-contained", "analyzer/core/histogram.h:2:"),
    ("a printf in the pipeline",
     {"analyzer/pipeline/workers.c": '#include <stdio.h>\n/* printf in a comment */\n'
                                     'void f(int n) { printf("%d\\n", n); }\n'},
     "only-cli-prints", "analyzer/pipeline/workers.c:3:"),
    ("fprintf(stderr) in a dissector",
     {"dissectors/dns/dns-session.c": 'void f(void) {\n  fprintf(stderr, "x");\n}\n'},
     "only-cli-prints", "dissectors/dns/dns-session.c:2:"),
    ("fputs to stdout in capture",
     {"analyzer/capture/capture.c": 'void f(void) { fputs("eth0\\n", stdout); }\n'},
     "only-cli-prints", "analyzer/capture/capture.c:1:"),
    ("g_printerr in output",
     {"analyzer/output/clickhouse-export.c": 'void f(void) { g_printerr("no"); }\n'},
     "only-cli-prints", "analyzer/output/clickhouse-export.c:1:"),
]


# Changes that must NOT be flagged: (name, files changed or added).
NOT_FLAGGED = [
    ("printf and stdout only in a comment and a string in the pipeline",
     {"analyzer/pipeline/workers.c": "/* printf(\"%d\", n); fputs(s, stdout); */\n"
                                     "// fprintf(stderr, \"x\");\n"
                                     "static const char *m = \"printf(stdout) \\\" stderr\";\n"
                                     "static const char q = '\\'';\n"
                                     "void f(FILE *out) { fprintf(out, \"%s\", m); }\n"}),
    ("#include of a private header commented out in output",
     {"analyzer/output/fleet-report.c": '#include "dissectors/http/http.h"\n'
                                        '/* #include "dissectors/http/http-stats.h" */\n'
                                        '// #include "analyzer/pipeline/flow-table.h"\n'}),
    ("a new application dissector that keeps the rules",
     {"dissectors/quic/quic.h": '#pragma once\n#include "analyzer/core/stream.h"\n',
      "dissectors/quic/quic.c": '#include "quic.h"\n#include "analyzer/report/report.h"\n',
      "analyzer/pipeline/registry.c": '#include "dissectors/quic/quic.h"\n'
                                      "static const void *q = &wt_quic_dissector;\n"}),
]


def write_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


def run(root):
    p = subprocess.run([sys.executable, CHECKER, root], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    return p.returncode, p.stdout


def main():
    t = Tap()
    with tempfile.TemporaryDirectory(prefix="wt-arch-") as tmp:
        clean = os.path.join(tmp, "clean")
        write_tree(clean, CLEAN)
        rc, out = run(clean)
        t.ok(rc == 0, "a clean tree passes (printf/stdout/wt_http_ only in comments and "
                      "strings, FILE * writers, decoder exceptions)", out)
        t.ok("not ok" not in out and "1..8" in out, "every rule reports ok on the clean tree",
             out)

        for n, (what, files) in enumerate(NOT_FLAGGED):
            root = os.path.join(tmp, "fine-%02d" % n)
            write_tree(root, CLEAN)
            write_tree(root, files)
            rc, out = run(root)
            t.ok(rc == 0 and "not ok" not in out, "%s: not flagged" % what, out)

        for n, (what, files, rule, where) in enumerate(BROKEN):
            root = os.path.join(tmp, "broken-%02d" % n)
            write_tree(root, CLEAN)
            write_tree(root, files)
            rc, out = run(root)
            line = "%s %s:" % (where, rule)
            t.ok(rc != 0 and ("# " + line) in out,
                 "%s: exit %d, names %s at %s" % (what, rc, rule, where), out)
            others = [l for l in out.splitlines()
                      if l.startswith("# ") and ":" in l and not l.startswith("# " + where)
                      and "violation(s)" not in l]
            t.ok(not others, "%s: nothing else flagged" % what, "\n".join(others))
    t.done()


if __name__ == "__main__":
    main()
