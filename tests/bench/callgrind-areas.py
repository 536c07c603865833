#!/usr/bin/env python3
"""Marginal instructions per packet by area of the pipeline (docs/performance.md, "Round
two"), from the callgrind outputs callgrind-ipp.sh keeps:

    CG_KEEP=DIR tests/bench/callgrind-ipp.sh WIRETAB P50K P1K
    tests/bench/callgrind-areas.py DIR [DIR2 ...]      # one column per directory

Each area is the inclusive count of the functions that make it up, (big - small) / 49,000
frames, as callgrind_annotate --inclusive=yes reports it (a function inlined under
several source files counts once: the largest entry). "other" is what no area holds.
With --threads first (outputs of a `--threads N` run): the reader thread's functions per
frame, and the workers' analysis (wt_analyzer_worker_frame, all workers) instead; with
replicated reading the workers' read loops and frame callbacks (all workers: divide by N
for one worker's share)."""
import re, subprocess, sys
def load(f):
    out = subprocess.run(['callgrind_annotate', '--threshold=100', '--inclusive=yes', f],
                         capture_output=True, text=True).stdout
    r = {}
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+) \([^)]*\)\s+(\S.*?)(?: \[.*\])?$', line)
        if not m or '(' in m.group(2).split(':')[-1]: continue
        if ':' not in m.group(2): continue
        fn = m.group(2).rsplit(':', 1)[1]
        r[fn] = max(r.get(fn, 0), int(m.group(1).replace(",", "")))
    return r
def areas(d):
    b = load(d + '/callgrind.out.big'); s = load(d + '/callgrind.out.sml')
    M = lambda *fs: sum(b.get(f, 0) - s.get(f, 0) for f in fs) / 49000
    a = {}
    a['read (mmap loop, frame callback)'] = M('wt_pcap_mmap_dispatch') - M('wt_analyzer_frame')
    a['decode (link, IP, TCP header)'] = M('wt_decode_frame') - M('wt_inet_sum.avx2', 'wt_inet_pseudo_sum')
    a['  checksums (in decode)'] = M('wt_inet_sum.avx2', 'wt_inet_pseudo_sum')
    a['flow lookup (key, table)'] = M('wt_flow_key_from_packet', 'wt_flow_table_lookup')
    a['TCP state (wt_tcp_conn_update)'] = M('wt_tcp_conn_update')
    a['TCP dispatch (rest of wt_tcp_packet)'] = M('wt_tcp_packet') - M('wt_tcp_conn_update', 'wt_reasm_segment')
    a['reassembly (wt_reasm_segment less HTTP)'] = M('wt_reasm_segment') - M('deliver')
    # flush_finished (or, once it is inlined, txn_finalize): stats, log, frees per txn
    # (or, when both are inlined, the stats tap and txn_free)
    txn_end = max(M('flush_finished'), M('txn_finalize'),
                  M('wt_http_stats_on_txn', 'txn_free', 'wt_http_log_write'))
    a['HTTP parse (deliver less finished txns)'] = M('deliver') - txn_end
    a['HTTP stats/top-N (wt_http_stats_on_txn)'] = M('wt_http_stats_on_txn')
    a['HTTP txn end, rest (frees, queue)'] = txn_end - M('wt_http_stats_on_txn')
    a['timeline'] = M('wt_timeline_count', 'wt_timeline_count_frame')
    a['analyzer (rest of wt_analyzer_frame)'] = M('wt_analyzer_frame') - M('wt_decode_frame', 'wt_flow_key_from_packet', 'wt_flow_table_lookup', 'wt_tcp_packet', 'wt_timeline_count', 'wt_timeline_count_frame')
    listed = sum(a.values())
    a['other (timers and expiry, on_frame, libc)'] = M('main') - listed
    a['marginal, whole run'] = M('main')
    a['report (write_report, total / 50,000)'] = b.get('write_report', 0) / 50000
    return a
def reader(d):
    b = load(d + '/callgrind.out.big'); s = load(d + '/callgrind.out.sml')
    # replicated reading: every worker's read loop (wt_capture_replica_dispatch), its frame
    # callback (replica_frame: numbering, timers, routing) and the worker_frame inside
    fns = ['wt_capture_dispatch', 'wt_workers_frame', 'wt_decode_route', 'wt_decode_route_fast',
           'wt_analyzer_count_frame', 'wt_capture_replica_dispatch', 'replica_frame',
           'wt_analyzer_worker_frame', 'main']
    return {f: (b.get(f, 0) - s.get(f, 0)) / 49000 for f in fns}
dirs = [a for a in sys.argv[1:] if a != '--threads']
cols = [reader(d) if '--threads' in sys.argv else areas(d) for d in dirs]
print('| ' + ('function' if '--threads' in sys.argv else 'area') + ' | ' + ' | '.join(dirs) + ' |')
print('| --- |' + ' ---: |' * len(cols))
for k in cols[0]:
    print(f'| {k} | ' + ' | '.join(f'{c[k]:,.1f}' for c in cols) + ' |')
