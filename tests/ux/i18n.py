#!/usr/bin/env python3
"""Translations: LANG=zh_CN.UTF-8 gives a Chinese report (section titles, labels, columns,
conn_state meanings, close kinds, status meanings) with the same numbers as the English
one; JSON and CSV are identical in both languages; --help and errors are translated.
Numbers are also checked against capinfos and the capture's truth file."""
import os
import re
import shutil
import subprocess
import tempfile

from uxlib import Tap, wiretab_path, CAPTURE, BUILD, SRC, capinfos_count

t = Tap()
base = dict(os.environ)
for k in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "NO_COLOR"):
    base.pop(k, None)
if BUILD:
    base["WIRETAB_LOCALEDIR"] = os.path.join(BUILD, "po")
EN = dict(base, LANG="C.UTF-8")
ZH = dict(base, LANG="zh_CN.UTF-8")
# without a generated zh_CN.UTF-8 locale wiretab falls back to C.UTF-8 + LANGUAGE itself;
# also test that path explicitly
ZH_FALLBACK = dict(base, LANG="C.UTF-8", LANGUAGE="zh_CN")


def run(env, *args):
    return subprocess.run([wiretab_path()] + list(args), capture_output=True, text=True, env=env)


NUM = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


def numbers(report):
    """Every cell that is a number: fields are separated by two or more spaces, so labels
    with digits in them ("p50 (ms)", "第 50 百分位") never count."""
    out = []
    for line in report.splitlines():
        for field in re.split(r"\s{2,}", line.strip()):
            if NUM.match(field):
                out.append(field)
    return out


en = run(EN, "-r", CAPTURE)
zh = run(ZH, "-r", CAPTURE)
t.eq((en.returncode, zh.returncode), (0, 0), "both runs exit 0")
for title in ("抓包概况", "协议", "主要会话（IP 地址对，按字节数）", "TCP 连接", "HTTP", "时间线"):
    t.ok("== %s ==" % title in zh.stdout, "Chinese section title: %s" % title)
# sections with nothing in them are one line each: the capture has no DNS and no anomalies
for line in ("DNS：没有消息", "异常：无"):
    t.ok(line in zh.stdout.splitlines(), "Chinese empty-section line: %s" % line)
for label in ("数据包", "连接状态", "连接的结束方式", "正常建立并关闭", "三段关闭", "请求方法",
              "状态码", "含义", "请求成功", "响应首字节时间"):
    t.ok(label in zh.stdout, "Chinese label: %s" % label)
t.ok("Capture summary" not in zh.stdout and "Connection states" not in zh.stdout,
     "no English section titles left")
ne, nz = numbers(en.stdout), numbers(zh.stdout)
t.ok(len(ne) > 100, "the English report has numbers (%d)" % len(ne))
t.eq(nz, ne, "the Chinese report has the same numbers, in the same order")

# the numbers themselves, from outside wiretab: capinfos and the capture's truth file
frames = capinfos_count(CAPTURE)
m = re.search(r"^  数据包\s+([\d,]+)$", zh.stdout, re.M)
t.eq(int(m.group(1).replace(",", "")) if m else None, frames, "数据包 = capinfos' frame count")
truth = open(os.path.join(SRC, "captures", "http-veth-ipv4.truth.txt")).read()
m = re.search(r"^requests\s+(\d+)", truth, re.M) or re.search(r"requests\D+(\d+)", truth)
if m:
    r = re.search(r"^  请求\s+([\d,]+)$", zh.stdout, re.M)
    t.eq(int(r.group(1).replace(",", "")) if r else None, int(m.group(1)),
         "请求 = the truth file's request count")
else:
    t.skip("请求 = truth", "no request count in the truth file")

fb = run(ZH_FALLBACK, "-r", CAPTURE)
t.eq(fb.stdout, zh.stdout, "LANGUAGE=zh_CN with C.UTF-8 gives the same Chinese report")

# machine-readable output does not change with the language
ej, zj = run(EN, "-r", CAPTURE, "--format", "json"), run(ZH, "-r", CAPTURE, "--format", "json")
t.ok(ej.stdout == zj.stdout and ej.stdout.startswith("{"), "JSON identical in both languages")
work = tempfile.mkdtemp(prefix="wt-ux-i18n-")
try:
    run(EN, "-r", CAPTURE, "--format", "csv", "-o", os.path.join(work, "en"))
    run(ZH, "-r", CAPTURE, "--format", "csv", "-o", os.path.join(work, "zh"))
    files = sorted(os.listdir(os.path.join(work, "en")))
    same = files == sorted(os.listdir(os.path.join(work, "zh"))) and all(
        open(os.path.join(work, "en", f), "rb").read() == open(os.path.join(work, "zh", f), "rb").read()
        for f in files)
    t.ok(same and "status_codes.csv" in files, "CSV files identical in both languages")
finally:
    shutil.rmtree(work, ignore_errors=True)

h = run(ZH, "--help")
t.ok(h.returncode == 0 and "读取 pcap 或 pcapng 文件" in h.stdout and "示例" in h.stdout,
     "--help in Chinese (options and examples)")
e = run(ZH, "-r", "/nonexistent/x.pcap")
t.ok(e.returncode == 2 and "无法打开抓包文件" in e.stderr and "/nonexistent/x.pcap" in e.stderr,
     "error message in Chinese, naming the file", e.stderr)
u = run(ZH, "--format", "xml", "-r", CAPTURE)
t.ok(u.returncode == 1 and "--format 必须是" in u.stderr, "usage error in Chinese", u.stderr)
# the catalogue is complete for the sources as they are now, and lists every source file
# with translatable strings (a new _("...") without a translation fails here)
if shutil.which("xgettext") and shutil.which("msgcmp"):
    listed = [l.strip() for l in open(os.path.join(SRC, "po", "POTFILES")) if l.strip()]
    marked = []
    for d in ("analyzer", "dissectors"):
        for dirpath, _, names in os.walk(os.path.join(SRC, d)):
            for n in names:
                if n.endswith(".c"):
                    path = os.path.join(dirpath, n)
                    if re.search(r'(?<![A-Za-z0-9_])N?_\(\s*"', open(path, errors="replace").read()):
                        marked.append(os.path.relpath(path, SRC))
    t.eq(sorted(set(marked) - set(listed)), [], "po/POTFILES lists every file with _() strings")
    work = tempfile.mkdtemp(prefix="wt-ux-pot-")
    try:
        pot = os.path.join(work, "now.pot")
        x = subprocess.run(["xgettext", "--from-code=UTF-8", "-k_", "-kN_", "-o", pot, "-D", SRC,
                            "-f", os.path.join(SRC, "po", "POTFILES")], capture_output=True, text=True)
        c = subprocess.run(["msgcmp", os.path.join(SRC, "po", "zh_CN.po"), pot],
                           capture_output=True, text=True)
        t.ok(x.returncode == 0 and c.returncode == 0,
             "po/zh_CN.po translates every message of the current sources",
             x.stderr + "\n".join(l for l in c.stderr.splitlines() if "not used" not in l))
    finally:
        shutil.rmtree(work, ignore_errors=True)
else:
    t.skip("catalogue complete", "xgettext/msgcmp (gettext) not installed")
t.done()
