#!/usr/bin/env bash
# Counts from an nginx access log written with the `truth` log_format of nginx.conf.in or
# bench-nginx.conf.in (field 1 method, 2 status, 5 connection serial, 9 protocol when
# present, 11 request completion: OK, or nothing when nginx did not finish). Prints plain `key value` lines.
#   nginx-truth.sh ACCESS_LOG
set -euo pipefail
log=${1:?usage: nginx-truth.sh ACCESS_LOG}
echo "requests $(wc -l < "$log")"
awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$log" | sort
awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$log" | sort
echo "connections $(awk '{print $5}' "$log" | sort -u | wc -l)"
awk 'NF >= 10 {v[$9]++} END {for (k in v) print "version", k, v[k]}' "$log" | sort
# nginx writes an empty completion for an unfinished request, so such lines have 10 fields
awk 'NF >= 10 {has = 1; if ($11 != "OK") n++} END {if (has) print "incomplete", n + 0}' "$log"
awk '{if ($6 > max) max = $6} END {print "max_requests_per_connection", max + 0}' "$log"
awk '{b += $4} END {print "body_bytes_sent", b + 0}' "$log"
