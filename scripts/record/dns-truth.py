#!/usr/bin/env python3
"""Truth for captures/dns-dnsmasq.pcap, from the servers' and the client's own accounts.

    dns-truth.py CAPTURE DNSMASQ_LOG... CLIENT_TXT

dnsmasq --log-queries=extra logs every query it answers as
    "<serial> <client>/<port> query[<TYPE>] <name> from <client>"
followed by what it answered ("config <name> is <value>", "... is NXDOMAIN",
"config error is REFUSED"). dnsmasq serves TCP in a forked child, so a query logged by a
process other than the one that logged "started" came over TCP. The client file has one
line per dig command with dig's status line (or "no servers could be reached").
Output: `key value` lines (captures/README.md), one `txn` line per answered query:
    txn <transport> <client port> <TYPE> <name> <RCODE>
"""
import collections
import re
import subprocess
import sys

QUERY = re.compile(r'dnsmasq\[(\d+)\]: (\d+) ([0-9a-f.:]+)/(\d+) query\[([A-Z0-9]+)\] (\S+) from')
ANSWER = re.compile(r'dnsmasq\[\d+\]: (\d+) [0-9a-f.:]+/\d+ (?:config|cached|reply) (\S+) is (.*)$')
STARTED = re.compile(r'dnsmasq\[(\d+)\]: started')


def rcode_of(values):
    for v in values:
        if v.startswith('NXDOMAIN'):
            return 'NXDOMAIN'
        if v.startswith('REFUSED'):
            return 'REFUSED'
        if v.startswith('SERVFAIL'):
            return 'SERVFAIL'
    return 'NOERROR'  # an answer, or NODATA (no record of that type)


def main():
    capture, logs, client = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
    txns = []
    for path in logs:
        main_pid = None
        pending = collections.OrderedDict()
        for line in open(path, encoding='utf-8', errors='replace'):
            m = STARTED.search(line)
            if m:
                main_pid = m.group(1)
                continue
            m = QUERY.search(line)
            if m:
                pid, serial, _client, port, qtype, name = m.groups()
                key = (path, serial, port)
                pending[key] = {'tcp': pid != main_pid, 'port': port, 'qtype': qtype,
                                'name': name, 'answers': []}
                continue
            m = ANSWER.search(line)
            if m:
                serial = m.group(1)
                for key in reversed(pending):
                    if key[1] == serial:
                        pending[key]['answers'].append(m.group(3))
                        break
        txns.extend(pending.values())

    clients = [l.rstrip('\n') for l in open(client, encoding='utf-8')]
    unanswered = [l for l in clients if 'no servers could be reached' in l or 'timed out' in l]
    frames = subprocess.run(['capinfos', '-c', '-M', capture], capture_output=True, text=True,
                            check=True).stdout
    nframes = re.search(r'Number of packets:\s*(\d+)', frames).group(1)

    print(f'capture {capture.rsplit("/", 1)[-1]}')
    print(f'frames {nframes}')
    print(f'# {len(clients)} dig commands; the servers logged {len(txns)} queries')
    print(f'queries {len(txns) + len(unanswered)}')
    print(f'answered {len(txns)}')
    print(f'unanswered {len(unanswered)}')
    print(f'tcp_queries {sum(1 for t in txns if t["tcp"])}')
    print(f'udp_queries {sum(1 for t in txns if not t["tcp"]) + len(unanswered)}')
    qtypes = collections.Counter(t['qtype'] for t in txns)
    rcodes = collections.Counter(rcode_of(t['answers']) for t in txns)
    names = collections.Counter(t['name'].lower() for t in txns)
    for line in unanswered:  # "dig @S -p 5301 NAME TYPE => ..."
        words = line.split(' => ')[0].split()
        qtypes[words[-1]] += 1
        names[words[-2].lower()] += 1
        print(f'unanswered_query {words[-1]} {words[-2]}')
    for k, v in sorted(qtypes.items()):
        print(f'qtype {k} {v}')
    for k, v in sorted(rcodes.items()):
        print(f'rcode {k} {v}')
    for k, v in sorted(names.items()):
        print(f'name {k} {v}')
    for t in txns:
        print(f'txn {"tcp" if t["tcp"] else "udp"} {t["port"]} {t["qtype"]} {t["name"]} '
              f'{rcode_of(t["answers"])}')


if __name__ == '__main__':
    main()
