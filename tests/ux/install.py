#!/usr/bin/env python3
"""Installation and its documents: `meson install --destdir` puts the binary, the man page,
the translations and the bash completion in place, and the installed binary speaks Chinese
from the installed catalogue. The man page is valid (groff, no warnings) and names every
option `wiretab --help-all` lists; the completion loads in bash, completes options and
knows every one of them."""
import os
import re
import shutil
import subprocess
import tempfile

from uxlib import Tap, wiretab_path, SRC, BUILD, CAPTURE

t = Tap()
if not BUILD or not os.path.exists(os.path.join(BUILD, "meson-info")):
    t.skip_all("needs the build directory")
info = subprocess.run(["meson", "introspect", "--buildoptions", BUILD], capture_output=True,
                      text=True, check=True).stdout
import json  # noqa: E402
opts = {o["name"]: o["value"] for o in json.loads(info)}
prefix, localedir = opts["prefix"], opts["localedir"]
dest = tempfile.mkdtemp(prefix="wt-ux-install-")
try:
    p = subprocess.run(["meson", "install", "--no-rebuild", "-C", BUILD, "--destdir", dest],
                       capture_output=True, text=True)
    t.eq(p.returncode, 0, "meson install --destdir succeeds")
    root = dest + prefix
    want = {
        "binary": os.path.join(root, "bin", "wiretab"),
        "man page": os.path.join(root, opts["mandir"], "man1", "wiretab.1"),
        "zh_CN catalogue": os.path.join(root, localedir, "zh_CN", "LC_MESSAGES", "wiretab.mo"),
        "bash completion": os.path.join(root, opts["datadir"], "bash-completion", "completions",
                                        "wiretab"),
    }
    for what, path in want.items():
        t.ok(os.path.isfile(path), "installs the %s (%s)" % (what, os.path.relpath(path, dest)))
    t.ok(os.access(want["binary"], os.X_OK), "the installed binary is executable")
    env = dict(os.environ, LANG="zh_CN.UTF-8", LANGUAGE="",
               WIRETAB_LOCALEDIR=os.path.join(root, localedir))
    env.pop("LC_ALL", None)
    r = subprocess.run([want["binary"], "-r", CAPTURE], capture_output=True, text=True, env=env)
    t.ok(r.returncode == 0 and "== 抓包概况 ==" in r.stdout,
         "the installed binary reports in Chinese from the installed catalogue")
finally:
    shutil.rmtree(dest, ignore_errors=True)

man = os.path.join(SRC, "docs", "wiretab.1")
helptext = subprocess.run([wiretab_path(), "--help-all"], capture_output=True, text=True,
                          env=dict(os.environ, LANG="C", LANGUAGE="")).stdout
longopts = sorted(set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z0-9-]*)", helptext, re.M)))
t.ok(len(longopts) > 20, "--help-all lists options (%d)" % len(longopts))
mantext = open(man).read()
plain = mantext.replace("\\-", "-")  # roff's escaped hyphens
missing = [o for o in longopts if re.search(r"--%s\b" % re.escape(o), plain) is None]
t.eq(missing, [], "the man page names every option of --help-all")
for sec in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "REPORT", "EXIT STATUS", "FILES",
            "EXAMPLES", "ENVIRONMENT"):
    t.ok(re.search(r"^\.SH \"?%s" % sec, mantext, re.M) is not None, "man page section " + sec)
if shutil.which("groff"):
    g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man], capture_output=True,
                       text=True)
    t.eq(g.stderr.strip(), "", "groff -man -ww: no warnings")
else:
    t.skip("groff -man -ww", "groff not installed")

comp = os.path.join(SRC, "completions", "wiretab.bash")
script = r'''
source "$1"
COMP_WORDS=(wiretab --); COMP_CWORD=1
_wiretab_complete "$2" -- wiretab; echo "ALL:${COMPREPLY[*]}"
complete -p wiretab
COMP_WORDS=(wiretab --for); COMP_CWORD=1; COMP_LINE="wiretab --for"; COMP_POINT=13
_wiretab_complete wiretab --for wiretab; echo "A:${COMPREPLY[*]}"
COMP_WORDS=(wiretab --format ""); COMP_CWORD=2
_wiretab_complete wiretab "" --format; echo "B:${COMPREPLY[*]}"
COMP_WORDS=(wiretab --overlap-policy l); COMP_CWORD=2
_wiretab_complete wiretab l --overlap-policy; echo "C:${COMPREPLY[*]}"
'''
b = subprocess.run(["bash", "-c", script, "bash", comp, wiretab_path()], capture_output=True,
                   text=True)
m = re.search(r"^ALL:(.*)$", b.stdout, re.M)
offered = set(m.group(1).split()) if m else set()
t.eq([o for o in longopts if "--" + o not in offered], [], "the completion offers every option")
t.ok("complete -F _wiretab_complete" in b.stdout, "bash registers the completion", b.stdout + b.stderr)
t.ok("A:--format" in b.stdout, "completes a long option", b.stdout)
t.ok(re.search(r"^B:.*\btext\b.*\bjson\b.*\bcsv\b.*\bhtml\b", b.stdout, re.M) is not None,
     "completes --format values", b.stdout)
t.ok("C:last" in b.stdout, "completes --overlap-policy values", b.stdout)
t.done()
