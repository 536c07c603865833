"""The report fields --threads N cannot give as one thread does: sums of the workers'
peaks (docs/report-format.md, "--threads"). The threads tests compare reports without
them."""

EXCLUDED = [("capture", "flows_peak"), ("tcp", "reassembly", "peak_buffered_bytes")]


def strip(report):
    """The JSON report without the EXCLUDED fields (changed in place, and returned)."""
    for path in EXCLUDED:
        d = report
        for k in path[:-1]:
            d = d.get(k, {}) if isinstance(d, dict) else {}
        if isinstance(d, dict):
            d.pop(path[-1], None)
    return report
