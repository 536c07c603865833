#!/usr/bin/env python3
"""-w FILE with -r: the frames analysed (after the BPF filter) are saved as pcap. Checked
against capinfos and against tcpdump applying the same filter to the same file: same
frame count, same bytes and timestamps (tcpdump -x --nano print), and the report's packets."""
import json
import os
import shutil
import subprocess
import tempfile

from uxlib import Tap, wiretab_path, CAPTURE, SRC, capinfos_count

t = Tap()
for tool in ("capinfos", "tcpdump"):
    if not shutil.which(tool):
        t.skip_all("needs " + tool)
work = tempfile.mkdtemp(prefix="wt-ux-save-")


def dump(path):
    """Every frame as tcpdump prints it with nanosecond times and hex bytes."""
    return subprocess.run(["tcpdump", "-n", "-r", path, "--nano", "-tt", "-x"],
                          capture_output=True, text=True, check=True).stdout


try:
    for name, bpf in (("all", None), ("filtered", "tcp port 80 and tcp[tcpflags] & tcp-push != 0")):
        out = os.path.join(work, name + ".pcap")
        args = [wiretab_path(), "-r", CAPTURE, "-w", out, "--format", "json"]
        if bpf:
            args += ["-f", bpf]
        p = subprocess.run(args, capture_output=True, text=True)
        t.eq(p.returncode, 0, "%s: exit 0" % name)
        report = json.loads(p.stdout)
        ref = os.path.join(work, name + "-ref.pcap")
        subprocess.run(["tcpdump", "-r", CAPTURE, "-w", ref] + ([bpf] if bpf else []),
                       check=True, capture_output=True)
        n_ref = capinfos_count(ref)
        n_out = capinfos_count(out)
        t.eq(n_out, n_ref, "%s: capinfos counts %d frames, as tcpdump with the filter" % (name, n_ref))
        t.eq(report["capture"]["packets"], n_out, "%s: report packets equal the saved frames" % name)
        t.ok(dump(out) == dump(ref), "%s: same frames, bytes and timestamps as tcpdump's" % name)
    t.ok(capinfos_count(os.path.join(work, "filtered.pcap")) < capinfos_count(CAPTURE),
         "the filter kept fewer frames than the file has")

    # two files: one capture, all frames saved
    out = os.path.join(work, "two.pcap")
    p = subprocess.run([wiretab_path(), "-q", "-r", CAPTURE, "-r",
                        os.path.join(SRC, "captures", "http-mix-small.pcap"), "-w", out],
                       capture_output=True, text=True)
    t.eq(capinfos_count(out), capinfos_count(CAPTURE) +
         capinfos_count(os.path.join(SRC, "captures", "http-mix-small.pcap")),
         "two files: every frame of both saved")

    # errors: an unwritable path is a runtime error before any work; '-w -' needs -o
    p = subprocess.run([wiretab_path(), "-r", CAPTURE, "-w", os.path.join(work, "no", "x.pcap")],
                       capture_output=True, text=True)
    t.ok(p.returncode == 2 and "x.pcap" in p.stderr and p.stdout == "",
         "unwritable -w: exit 2 naming the file, no report", p.stderr)
    p = subprocess.run([wiretab_path(), "-r", CAPTURE, "-w", "-"], capture_output=True)
    t.eq(p.returncode, 1, "-w - without -o: usage error")
    p = subprocess.run([wiretab_path(), "-r", CAPTURE, "-w", "-", "-o", os.path.join(work, "r.txt")],
                       capture_output=True)
    with open(os.path.join(work, "stdout.pcap"), "wb") as f:
        f.write(p.stdout)
    t.eq(capinfos_count(os.path.join(work, "stdout.pcap")), capinfos_count(CAPTURE),
         "-w - -o FILE: the capture on standard output")
finally:
    shutil.rmtree(work, ignore_errors=True)
t.done()
