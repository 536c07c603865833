#!/usr/bin/env python3
"""How a capture sits in the page cache, which changes what reading it costs:

    page-cache.py [--cold] FILE...

A file read from disk is cached in 2 MiB folios (Linux 6.x with large folios, e.g. ext4
since 6.11), which the kernel maps with one page-table entry per 2 MiB; a file just
written (tcpdump, cp) is cached in 4 KiB pages, one entry and one TLB miss per page for
each core that reads it (docs/performance.md, "Session 5"). For each FILE this prints the
share of it mapped in 2 MiB pages (FilePmdMapped of /proc/self/smaps_rollup after a
mapping of the whole file is touched page by page). --cold first drops the file from the
page cache (posix_fadvise DONTNEED: its clean pages) and reads it back once, as from disk."""
import mmap
import os
import re
import subprocess
import sys


def read_back(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)


def share_in_2mib_pages(path):
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return 0.0
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        try:
            sum(m[off] for off in range(0, size, mmap.PAGESIZE))
            with open("/proc/self/smaps_rollup") as rollup:
                found = re.search(r"FilePmdMapped:\s+(\d+)", rollup.read())
        finally:
            m.close()
    return int(found.group(1)) * 1024 / size if found else 0.0


def main(argv):
    cold = "--cold" in argv
    files = [a for a in argv if a != "--cold"]
    if not files:
        sys.exit(__doc__)
    for path in files:
        if cold:
            read_back(path)
        print("%s: %.0f %% of its page cache mapped in 2 MiB pages%s"
              % (path, 100.0 * share_in_2mib_pages(path), " (read back cold)" if cold else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
