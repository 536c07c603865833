"""Network-namespace set-up shared by the live tests (root only): namespaces joined by a
veth pair or a plain loopback, nginx started from a test's own configuration, and the
clean-up. The shell recorders have the same steps in scripts/record/netns-lib.sh.

Every link gets MTU 1500 and its offloads turned off, so frames are Ethernet-sized
segments with correct checksums, as a capture on a real wire would have them."""
import json
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


# --- an HTTP link: nginx in one namespace, curl in the other, the access log as truth ---

# method, status, connection serial, request number on it, uri, body bytes, client port
TRUTH_LOG_FORMAT = ("$request_method $status $connection $connection_requests $request_uri "
                    "$body_bytes_sent $remote_port")


def curl_in(ns, *args):
    """curl ARGS in NS; its output, or RuntimeError when it fails."""
    p = subprocess.run(in_ns(ns, "curl", "-s", "-S", "--max-time", "5") + list(args),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("curl %s: %s" % (args, p.stderr))
    return p.stdout


def answers_200(ns, url):
    p = subprocess.run(in_ns(ns, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                             "--max-time", "2", url), capture_output=True, text=True)
    return p.stdout == "200"


def nginx_link(work, srv, cli, port):
    """veth_pair(srv, cli) and nginx on srv's address and PORT answering STATUS_LOCATIONS,
    logging TRUTH_LOG_FORMAT to WORK/access.log; returns when it answers from cli's side."""
    veth_pair(srv, cli)
    conf = nginx_conf(work, "%s:%d" % (srv[2], port), TRUTH_LOG_FORMAT, STATUS_LOCATIONS,
                      "  keepalive_requests 100;\n  keepalive_timeout 30s;\n")
    start_nginx(srv[0], work, conf)
    for _ in range(50):
        if answers_200(cli[0], "http://%s:%d/ok" % (srv[2], port)):
            return
        time.sleep(0.1)
    raise RuntimeError("nginx did not answer: " + open(os.path.join(work, "error.log")).read())


def wait_log_rows(path, n, timeout=3.0):
    """nginx writes the access log line after the response: wait for N lines, then the rows."""
    end = time.time() + timeout
    while time.time() < end and len(log_rows(path)) < n:
        time.sleep(0.05)
    return log_rows(path)


def traffic_mix(ns, base):
    """A known mix of requests from NS to BASE (STATUS_LOCATIONS); returns how many."""
    o = ["-o", "/dev/null"]
    # one keep-alive connection, six requests, different methods (curl --next keeps the
    # connection)
    curl_in(ns, *o, base + "/ok",
            "--next", *o, "-X", "POST", "-d", "a=1", base + "/created",
            "--next", *o, "-X", "PUT", "-d", "b=2", base + "/created",
            "--next", *o, "-X", "DELETE", base + "/empty",
            "--next", *o, base + "/missing",
            "--next", *o, "-X", "OPTIONS", base + "/ok")
    # a second keep-alive connection with redirects and a 503
    curl_in(ns, *o, base + "/moved", "--next", *o, base + "/busy",
            "--next", *o, "-X", "PATCH", "-d", "c=3", base + "/ok")
    # one request per connection
    curl_in(ns, *o, "-H", "Connection: close", base + "/ok")
    curl_in(ns, *o, "-0", base + "/missing")                 # HTTP/1.0
    curl_in(ns, *o, "-I", base + "/ok")                      # HEAD
    curl_in(ns, *o, "-X", "DELETE", base + "/busy")
    curl_in(ns, *o, "-X", "POST", "--data-binary", "x" * 3000, base + "/empty")  # multi-segment
    return 6 + 3 + 5


def finish_json(p, timeout):
    """Wait for a `wiretab --format json` process: (report, stderr), or (None, why)."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return None, "timed out; stderr: " + err
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, err)
    try:
        return json.loads(out), err
    except ValueError:
        return None, "not JSON: %r / %s" % (out[:300], err)


def packet_sockets(pid):
    """Packet sockets the process holds: its socket inodes listed in /proc/net/packet."""
    inodes = set()
    for line in open("/proc/%d/net/packet" % pid).read().splitlines()[1:]:
        inodes.add(line.split()[-1])
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            n += 1
    return n
