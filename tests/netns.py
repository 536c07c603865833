"""Network-namespace set-up shared by the live tests (root only): namespaces joined by a
veth pair or a plain loopback, nginx started from a test's own configuration, and the
clean-up. The shell recorders have the same steps in scripts/record/netns-lib.sh.

Every link gets MTU 1500 and its offloads turned off, so frames are Ethernet-sized
segments with correct checksums, as a capture on a real wire would have them."""
import os
import shutil
import signal
import subprocess
import time

NGINX_TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns] + list(args)


def offloads_off(ns, dev, checksums=False):
    """Segmentation offloads off (and the checksum ones when asked); no-op without ethtool."""
    if not shutil.which("ethtool"):
        return
    sh(*in_ns(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"), check=False)
    if checksums:
        sh(*in_ns(ns, "ethtool", "-K", dev, "tx", "off", "rx", "off"), check=False)


def plain_lo(ns):
    """Create NS with its loopback up at MTU 1500, offloads off."""
    sh("ip", "netns", "add", ns)
    sh(*in_ns(ns, "ip", "link", "set", "lo", "up"))
    sh(*in_ns(ns, "ip", "link", "set", "lo", "mtu", "1500"))
    offloads_off(ns, "lo")


def veth_pair(a, b):
    """Create two namespaces joined by a veth pair. a and b are (namespace, interface,
    IPv4 address, MAC address). IPv6 is off and each side knows the other's MAC (a
    permanent neighbour entry), so the only frames on the link are the test's own."""
    sh("ip", "netns", "add", a[0])
    sh("ip", "netns", "add", b[0])
    sh("ip", "link", "add", a[1], "netns", a[0], "address", a[3], "type", "veth",
       "peer", "name", b[1], "netns", b[0], "address", b[3])
    for (ns, ifc, ip, _), (_, _, peer_ip, peer_mac) in ((a, b), (b, a)):
        sh(*in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"), check=False)
        sh(*in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"), check=False)
        sh(*in_ns(ns, "ip", "link", "set", "lo", "up"))
        sh(*in_ns(ns, "ip", "link", "set", "lo", "mtu", "1500"))
        sh(*in_ns(ns, "ip", "link", "set", ifc, "mtu", "1500"))
        sh(*in_ns(ns, "ip", "addr", "add", ip + "/24", "dev", ifc))
        sh(*in_ns(ns, "ip", "link", "set", ifc, "up"))
        sh(*in_ns(ns, "ip", "neigh", "replace", peer_ip, "lladdr", peer_mac, "dev", ifc,
                  "nud", "permanent"))
        offloads_off(ns, "lo")
        offloads_off(ns, ifc, checksums=True)


# `return` locations answering each of 200, 201, 204, 301, 404 and 503
STATUS_LOCATIONS = """    location /ok      { return 200 "ok\\n"; }
    location /created { return 201 "created\\n"; }
    location /empty   { return 204; }
    location /moved   { return 301 /ok; }
    location /missing { return 404; }
    location /busy    { return 503; }
"""


def nginx_conf(work, listen, log_format, locations, http_extra=""):
    """A test's nginx configuration: one worker, its pid, error log, access log (in
    LOG_FORMAT, the truth) and temporary files under WORK, one server on LISTEN answering
    LOCATIONS (nginx lines); HTTP_EXTRA adds lines to the http block."""
    temp = "".join("  %s_temp_path %s/%s;\n" % ("client_body" if d == "body" else d, work, d)
                   for d in NGINX_TEMP_DIRS)
    return ("\nworker_processes 1;\ndaemon on;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 256; }\nhttp {\n"
            "  log_format truth \"%s\";\n  access_log %s/access.log truth;\n%s%s"
            "  server {\n    listen %s;\n%s  }\n}\n"
            % (work, work, log_format, work, temp, http_extra, listen, locations))


def start_nginx(ns, work, conf_text):
    """Write conf_text to WORK/nginx.conf (with nginx's temporary directories under WORK)
    and start nginx in NS; the caller waits until it answers."""
    for d in NGINX_TEMP_DIRS:
        os.makedirs(os.path.join(work, d), exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    sh(*in_ns(ns, "nginx", "-c", conf))


def stop_pidfile(pidfile):
    """SIGTERM the daemon whose pid PIDFILE holds, and give it a moment to go."""
    if not os.path.exists(pidfile):
        return
    try:
        os.kill(int(open(pidfile).read().strip()), signal.SIGTERM)
        time.sleep(0.3)
    except (ValueError, OSError):
        pass


def stop_procs(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def remove(work, *namespaces):
    """Delete the namespaces and the work directory (nginx stopped before)."""
    for ns in namespaces:
        sh("ip", "netns", "del", ns, check=False)
    shutil.rmtree(work, ignore_errors=True)


def log_rows(path):
    """An access log's lines split into fields ([] while it does not exist yet)."""
    if not os.path.exists(path):
        return []
    return [line.split() for line in open(path) if line.strip()]
