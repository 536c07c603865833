#!/usr/bin/env python3
"""The include rules of the layers, checked over the source tree.

    tests/arch/check-includes.py SOURCE_ROOT

Reads every .c and .h under analyzer/ and dissectors/ and checks them against RULES below.
Prints TAP (one test per rule); each violation is a diagnostic line

    # file:line: rule-name: detail

and the exit status is 1 when there is any. docs/architecture.md quotes the table.

Patterns are paths from the source root: `*` matches within one path component, `**`
matches across components. Placeholders:
    {own}     the dissector folder of the file being checked (dissectors/<name>)
    {app}     each application-dissector folder: every folder under dissectors/ that is not
              in TRANSPORT_FOLDERS (so a new protocol folder is covered without an edit here)
    {appname} the bare name of that folder (http, tls, dns ...)
    {public}  the public header of each dissector folder: dissectors/<name>/<name>.h

Includes: every "quoted" include is a project include (resolved from the including file's
folder when that file exists, otherwise from the source root); an <angled> include counts
only when it names analyzer/... or dissectors/... (system and GLib headers are fine).
Tokens and identifiers are matched after comments and string/character literals are
blanked, so a printf in a comment or a "stdout" in a message is not a violation.
"""
import functools
import os
import re
import sys

# Folders under dissectors/ that decode frames or carry transport (link, network,
# transport, tunnels); every other folder is an application dissector.
TRANSPORT_FOLDERS = ("link", "ip", "tcp", "udp", "tunnel")

# The frame decoders: the link layer, the IP layer, the tunnels and the TCP/UDP header
# decoders that the pipeline's decoder table (analyzer/pipeline/decode.c) calls.
DECODERS = ("dissectors/link/**", "dissectors/ip/**", "dissectors/tunnel/**",
            "dissectors/tcp/tcp-header.*", "dissectors/udp/udp-header.*")

# Writing to the terminal: only analyzer/cli may. A function given a FILE * is fine; so
# is fprintf/fputs to that FILE *: the standard streams are caught by name. GLib's message
# functions print to stderr too.
STDIO_TOKENS = ("printf", "vprintf", "puts", "putchar", "perror", "stdout", "stderr",
                "STDOUT_FILENO", "STDERR_FILENO", "g_print", "g_printerr", "g_message",
                "g_warning", "g_critical", "g_info", "g_debug")

RULES = [
    {
        "name": "dissector-includes",
        "why": "dissectors include only the core, the report model, their own folder and "
               "(application dissectors) another application dissector's public header",
        "files": ["dissectors/**"],
        "may_include_only": ["analyzer/core/*", "analyzer/report/report.h", "{own}/*"],
        "exceptions": [
            {
                "files": list(DECODERS),
                "may_also_include": ["dissectors/ip/ip.h", "dissectors/ip/inet-checksum.h"],
                "why": "decoders use the IP layer's public decoder headers (addresses, "
                       "pseudo-header checksum)",
            },
            {
                "files": ["{app}/**"],
                "may_also_include": ["{app}/{appname}.h"],
                "why": "an application dissector may use another application dissector's "
                       "public header (HTTP/2 adds its transactions to HTTP's tap)",
            },
        ],
    },
    {
        "name": "tcp-no-app",
        "why": "TCP never includes an application dissector",
        "files": ["dissectors/tcp/**"],
        "must_not_include": ["{app}/**"],
    },
    {
        "name": "app-no-tcp",
        "why": "no application dissector includes TCP",
        "files": ["{app}/**"],
        "must_not_include": ["dissectors/tcp/**"],
    },
    {
        "name": "pipeline-names-app",
        "why": "the pipeline names application dissectors only in the registry "
               "(decode.c, the decoder table, includes the decoders, which are not "
               "application dissectors)",
        "files": ["analyzer/pipeline/**"],
        "except_files": ["analyzer/pipeline/registry.c"],
        "must_not_include": ["{app}/**"],
        "must_not_name": [r"\bwt_{appname}_\w*"],
    },
    {
        "name": "report-renders-model",
        "why": "report writers render the model: they never include dissectors or the "
               "pipeline",
        "files": ["analyzer/report/**"],
        "must_not_include": ["dissectors/**", "analyzer/pipeline/**"],
    },
    {
        "name": "output-public-headers",
        "why": "output uses only public dissector headers (the header named after the "
               "folder)",
        "files": ["analyzer/output/**"],
        "must_not_include": ["dissectors/**"],
        "unless": ["{public}"],
    },
    {
        "name": "core-self-contained",
        "why": "the core includes nothing of the project outside analyzer/core but the "
               "report model (a leaf that needs only GLib: taps and histograms write "
               "their sections through it)",
        "files": ["analyzer/core/**"],
        "may_include_only": ["analyzer/core/*", "analyzer/report/report.h"],
    },
    {
        "name": "only-cli-prints",
        "why": "only analyzer/cli writes to stdout/stderr (setup problems are GErrors, "
               "traffic problems are anomaly counters; others write to a FILE * given)",
        "files": ["analyzer/**", "dissectors/**"],
        "except_files": ["analyzer/cli/**"],
        "must_not_use": list(STDIO_TOKENS),
    },
]

SCANNED = ("analyzer", "dissectors")
PROJECT_PREFIXES = tuple(top + "/" for top in SCANNED)

# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def glob_re(pattern):
    """`**` across components, `*` and `?` within one, everything else literal."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class Tree:
    def __init__(self, root):
        self.root = root
        folders = []
        d = os.path.join(root, "dissectors")
        if os.path.isdir(d):
            folders = sorted(f for f in os.listdir(d) if os.path.isdir(os.path.join(d, f)))
        self.dissectors = folders
        self.apps = [f for f in folders if f not in TRANSPORT_FOLDERS]
        self.files = []
        for top in SCANNED:
            for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith((".c", ".h")):
                        path = os.path.join(dirpath, name)
                        self.files.append(os.path.relpath(path, root).replace(os.sep, "/"))

    def expand(self, pattern, path):
        """The patterns `pattern` stands for when checking `path`."""
        pats = [pattern]
        if "{own}" in pattern:
            m = re.match(r"dissectors/([^/]+)/", path)
            pats = [p.replace("{own}", "dissectors/" + m.group(1)) for p in pats] if m else []
        if "{public}" in pattern:
            pats = [p.replace("{public}", "dissectors/%s/%s.h" % (d, d))
                    for p in pats for d in self.dissectors]
        if "{app}" in pattern or "{appname}" in pattern:
            pats = [p.replace("{app}", "dissectors/" + a).replace("{appname}", a)
                    for p in pats for a in self.apps]
        return pats

    def matches(self, patterns, target, context=None):
        """Does `target` match one of `patterns`, expanded for the file `context` (default:
        `target` itself)?"""
        context = target if context is None else context
        return any(glob_re(p).match(target)
                   for pat in patterns for p in self.expand(pat, context))


def blank(text, keep_strings):
    """Comments (and, unless keep_strings, string and character literals) become spaces;
    newlines stay, so line numbers hold."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            if keep_strings:
                out.append(text[i:j])
            else:
                out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(["<])([^">\n]+)[">]', re.M)


def includes(tree, path, code):
    """(line, project path) of each project include in `code` (comments blanked)."""
    found = []
    for m in INCLUDE_RE.finditer(code):
        target = m.group(2).strip()
        line = code.count("\n", 0, m.start()) + 1
        if m.group(1) == "<":
            if not target.startswith(PROJECT_PREFIXES):
                continue
            resolved = os.path.normpath(target)
        else:
            rel = os.path.normpath(os.path.join(os.path.dirname(path), target))
            if (os.path.exists(os.path.join(tree.root, rel))
                    and not target.startswith(PROJECT_PREFIXES)):
                resolved = rel
            else:
                resolved = os.path.normpath(target)
        found.append((line, resolved.replace(os.sep, "/")))
    return found


def applies(tree, rule, path):
    return (tree.matches(rule["files"], path)
            and not tree.matches(rule.get("except_files", []), path))


def check_file(tree, rule, path, text):
    """Violations of `rule` in one file: (line, detail)."""
    found = []
    code = blank(text, keep_strings=True)
    incs = includes(tree, path, code)
    if "may_include_only" in rule:
        allowed = list(rule["may_include_only"])
        for ex in rule.get("exceptions", []):
            if tree.matches(ex["files"], path):
                allowed += ex["may_also_include"]
        for line, inc in incs:
            if not tree.matches(allowed, inc, path):
                found.append((line, "includes %s (allowed: %s)" % (inc, ", ".join(
                    p for a in allowed for p in tree.expand(a, path)))))
    if "must_not_include" in rule:
        for line, inc in incs:
            if (tree.matches(rule["must_not_include"], inc, path)
                    and not tree.matches(rule.get("unless", []), inc, path)):
                found.append((line, "includes %s" % inc))
    bare = None
    if "must_not_name" in rule or "must_not_use" in rule:
        bare = blank(text, keep_strings=False)
        bare = re.sub(r'^[ \t]*#[ \t]*include\b[^\n]*', "", bare, flags=re.M)
    for pat in rule.get("must_not_name", []):
        for rx in tree.expand(pat, path):
            for m in re.finditer(rx, bare, re.I):
                found.append((bare.count("\n", 0, m.start()) + 1, "names %s" % m.group(0)))
    if "must_not_use" in rule:
        rx = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, rule["must_not_use"])))
        for m in rx.finditer(bare):
            found.append((bare.count("\n", 0, m.start()) + 1,
                          "uses %s (only analyzer/cli writes to the standard streams)"
                          % m.group(1)))
    return sorted(set(found))


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        sys.stderr.write("usage: check-includes.py SOURCE_ROOT\n")
        return 2
    tree = Tree(argv[1])
    if not tree.files:
        print("1..0 # SKIP no .c/.h under %s" % ", ".join(SCANNED))
        return 0
    texts = {}
    for path in tree.files:
        with open(os.path.join(tree.root, path), encoding="utf-8", errors="replace") as f:
            texts[path] = f.read()
    total = 0
    for n, rule in enumerate(RULES, 1):
        lines = []
        for path in tree.files:
            if applies(tree, rule, path):
                for line, detail in check_file(tree, rule, path, texts[path]):
                    lines.append("%s:%d: %s: %s" % (path, line, rule["name"], detail))
        print("%s %d - %s: %s" % ("not ok" if lines else "ok", n, rule["name"], rule["why"]))
        for line in lines:
            print("# " + line)
        total += len(lines)
    print("1..%d" % len(RULES))
    if total:
        print("# %d violation(s) in %d file(s) checked" % (total, len(tree.files)))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
