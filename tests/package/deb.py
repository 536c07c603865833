#!/usr/bin/env python3
"""The Debian package, built, checked, installed, used and purged (TAP, root).

- `dpkg-buildpackage -us -uc -b` in a copy of the source tree (the working tree stays
  clean) builds wiretab_<version>_<arch>.deb, the version being debian/changelog's and
  meson.build's;
- lintian (with --pedantic and informational tags) has nothing to say (no overrides);
- the package holds the program, the man page, the bash completion, the zh_CN catalogue,
  wiretab@.service and /etc/wiretab/wiretab.conf as a conffile;
- `apt-get install ./wiretab_*.deb`: /usr/bin/wiretab --version names the version, a
  capture from captures/ gives the HTTP request count of the server's access log, the
  installed catalogue translates --help, and the system user wiretab exists (no login
  shell, no home);
- `apt-get purge wiretab`: the user, the program, /etc/wiretab, the unit and
  /var/lib/wiretab are gone.

A wiretab user made by scripts/bootstrap (before the package existed) is removed first,
so the package creates its own, and made again the same way at the end.
"""
import glob
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root  # noqa: E402

ROOT = project_root()
CAPTURE = "http-veth-ipv4"


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def copy_tree(dst):
    """The source files as a checkout has them: tracked and new files, nothing ignored
    (no build directory)."""
    if os.path.isdir(os.path.join(ROOT, ".git")) or os.path.isfile(os.path.join(ROOT, ".git")):
        names = run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                     "--exclude-standard"], check=True).stdout.split("\0")
        for name in filter(None, names):
            src = os.path.join(ROOT, name)
            if not os.path.lexists(src):
                continue  # deleted in the working tree
            os.makedirs(os.path.dirname(os.path.join(dst, name)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, name), follow_symlinks=False)
    else:
        shutil.copytree(ROOT, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", "obj-*", ".git"))


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def remove_user(name):
    """userdel/groupdel; a user some process still runs as cannot be removed: wait for it
    (another test's capture ends within seconds). '' when done, else userdel's words."""
    for _ in range(30):
        p = run(["userdel", name])
        if p.returncode == 0 or not user_exists(name):
            run(["groupdel", name])
            return ""
        time.sleep(1)
    return p.stderr.strip()


def meson_version():
    with open(os.path.join(ROOT, "meson.build")) as f:
        return re.search(r"version:\s*'([^']+)'", f.read()).group(1)


def access_log_requests():
    with open(os.path.join(ROOT, "captures", CAPTURE + ".access.log")) as f:
        return sum(1 for line in f if line.strip())


def main():
    tap = Tap()
    if os.geteuid() != 0:
        tap.skip_all("needs root (installs and purges the package)")
    for tool in ("dpkg-buildpackage", "dh", "lintian", "apt-get"):
        if not shutil.which(tool):
            tap.skip_all("%s is not installed (scripts/bootstrap installs it)" % tool)
    had_user = user_exists("wiretab")
    work = tempfile.mkdtemp(prefix="wt-deb-")
    src = os.path.join(work, "wiretab")
    try:
        copy_tree(src)
        version = run(["dpkg-parsechangelog", "-l", os.path.join(src, "debian", "changelog"),
                       "-S", "Version"], check=True).stdout.strip()
        tap.eq(version, meson_version(), "debian/changelog's version is meson.build's")
        arch = run(["dpkg", "--print-architecture"], check=True).stdout.strip()
        with open(os.path.join(work, "build.log"), "w") as log:
            p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                               stdout=log, stderr=subprocess.STDOUT)
        deb = os.path.join(work, "wiretab_%s_%s.deb" % (version, arch))
        if not tap.ok(p.returncode == 0 and os.path.exists(deb),
                      "dpkg-buildpackage -us -uc -b builds %s" % os.path.basename(deb),
                      open(os.path.join(work, "build.log")).read()[-3000:]):
            raise RuntimeError("no package")

        changes = glob.glob(os.path.join(work, "wiretab_%s_%s.changes" % (version, arch)))
        p = run(["lintian", "--pedantic", "--display-info", "--tag-display-limit", "0"] +
                changes)
        tags = [l for l in p.stdout.splitlines() if re.match(r"^[EWIPX]: ", l)]
        tap.ok(p.returncode == 0 and not tags, "lintian --pedantic -I: no tag", "\n".join(tags)
               + p.stderr[-1000:])

        listing = run(["dpkg-deb", "-c", deb], check=True).stdout
        paths = {l.split()[-1].lstrip(".") for l in listing.splitlines()}
        want = ["/usr/bin/wiretab", "/usr/share/man/man1/wiretab.1.gz",
                "/usr/share/bash-completion/completions/wiretab",
                "/usr/share/locale/zh_CN/LC_MESSAGES/wiretab.mo",
                "/lib/systemd/system/wiretab@.service", "/etc/wiretab/wiretab.conf",
                "/usr/share/doc/wiretab/copyright"]
        missing = [w for w in want if w not in paths]
        tap.ok(not missing, "the package holds the program, man page, completion, "
               "translation, unit, settings and copyright", missing)
        ctrl = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
        tap.eq(ctrl, ["/etc/wiretab/wiretab.conf"], "/etc/wiretab/wiretab.conf is a conffile")

        if had_user:  # scripts/bootstrap's user: the package makes its own
            why = remove_user("wiretab")
            if not tap.ok(not why, "scripts/bootstrap's user wiretab removed before the "
                          "install", why):
                raise RuntimeError("the user wiretab is in use")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        p = run(["apt-get", "install", "-y", "-q", deb], env=env)
        if not tap.ok(p.returncode == 0, "apt-get install ./%s" % os.path.basename(deb),
                      p.stdout[-2000:] + p.stderr[-2000:]):
            raise RuntimeError("not installed")
        p = run(["/usr/bin/wiretab", "--version"])
        tap.ok(p.returncode == 0 and p.stdout.startswith("wiretab %s " % version),
               "/usr/bin/wiretab --version: %s" % p.stdout.strip())
        p = run(["/usr/bin/wiretab", "-r", os.path.join(ROOT, "captures", CAPTURE + ".pcap"),
                 "--format", "json"], env=dict(env, LC_ALL="C.UTF-8", LANGUAGE=""))
        requests = json.loads(p.stdout)["http"]["requests"] if p.returncode == 0 else None
        tap.eq(requests, access_log_requests(), "the installed wiretab counts the %d requests "
               "of %s.access.log" % (access_log_requests(), CAPTURE))
        p = run(["/usr/bin/wiretab", "--help"], env=dict(env, LC_ALL="C.UTF-8",
                                                           LANGUAGE="zh_CN"))
        tap.ok(p.returncode == 0 and re.search(r"[\u4e00-\u9fff]", p.stdout),
               "the installed zh_CN catalogue translates --help", p.stdout[:300])
        try:
            u = pwd.getpwnam("wiretab")
            tap.ok(u.pw_uid < 1000 and u.pw_shell.endswith("nologin") and
                   u.pw_dir == "/nonexistent" and not os.path.exists(u.pw_dir),
                   "system user wiretab: uid %d, shell %s, home %s (absent)"
                   % (u.pw_uid, u.pw_shell, u.pw_dir))
        except KeyError:
            tap.ok(False, "postinst created the system user wiretab")

        p = run(["apt-get", "purge", "-y", "-q", "wiretab"], env=env)
        tap.ok(p.returncode == 0, "apt-get purge wiretab", p.stdout[-2000:] + p.stderr)
        tap.ok(not user_exists("wiretab"), "purge: the user wiretab is gone",
               run(["ps", "-u", "wiretab", "-o", "pid,args"]).stdout if user_exists("wiretab")
               else None)
        left = [f for f in ("/usr/bin/wiretab", "/etc/wiretab", "/lib/systemd/system/wiretab@.service",
                            "/var/lib/wiretab", "/usr/share/doc/wiretab")
                if os.path.exists(f)]
        tap.eq(left, [], "purge: the program, settings, unit and state are gone")
        status = run(["dpkg-query", "-W", "-f", "${db:Status-Status}", "wiretab"]).stdout
        tap.ok(status in ("", "not-installed"), "dpkg knows wiretab as not installed (%r)"
               % status)
    except RuntimeError as e:
        tap.ok(False, "package test stopped", str(e))
    finally:
        if run(["dpkg-query", "-W", "-f", "${db:Status-Status}", "wiretab"]).stdout == "installed":
            run(["apt-get", "purge", "-y", "-q", "wiretab"])
        if had_user and not user_exists("wiretab"):  # as scripts/bootstrap makes it
            run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 "wiretab"])
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
