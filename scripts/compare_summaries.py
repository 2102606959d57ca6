#!/usr/bin/env python3
"""Check that a change keeps every shipped scenario's results: run each
scenario (scenarios/*.toml) with two edgesim binaries and compare their
summary.json files with the fields that may differ removed (`trace_hash`,
`events_handled`, and any key naming a wall time).

Usage:
    cp target/release/edgesim /tmp/edgesim-before     # before the change
    cargo build --release                             # after it
    python3 scripts/compare_summaries.py /tmp/edgesim-before target/release/edgesim
    python3 scripts/compare_summaries.py A B --skip year-of-operations --out /tmp/cmp

Prints one line per scenario (same / DIFFERS, with the first differing
paths) and exits 1 if any differs or a run's exit code changed.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DROPPED = {"trace_hash", "events_handled"}


def strip(value):
    """The summary without the fields that may differ between builds."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in DROPPED and "wall" not in k}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def differences(a, b, path="", out=None):
    """Paths at which `a` and `b` differ (at most 5)."""
    out = [] if out is None else out
    if len(out) >= 5:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            differences(a.get(k), b.get(k), f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}"[:200])
    return out


def run(binary, scenario, out):
    """Runs one scenario; its exit code and stripped summary (None if absent)."""
    cmd = [binary, "run", str(scenario), "-q", "--no-charts", "--allow-inconclusive", "--out", str(out)]
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    summary = out / "summary.json"
    return code, strip(json.loads(summary.read_text())) if summary.exists() else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--skip", action="append", default=[], help="scenario name to leave out (repeatable)")
    ap.add_argument("--out", default="/tmp/compare-summaries", help="where the runs write")
    args = ap.parse_args()
    failed = 0
    for scenario in sorted((ROOT / "scenarios").glob("*.toml")):
        if scenario.stem in args.skip:
            continue
        a = run(args.before, scenario, Path(args.out) / "before" / scenario.stem)
        b = run(args.after, scenario, Path(args.out) / "after" / scenario.stem)
        if a == b:
            print(f"same     {scenario.stem}")
            continue
        failed += 1
        print(f"DIFFERS  {scenario.stem} (exit {a[0]} vs {b[0]})")
        for d in differences(a[1], b[1]):
            print(f"    {d}")
    print(f"{failed} differ")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
