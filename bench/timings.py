#!/usr/bin/env python3
"""Runs `cfsynth synth DIR --out NEW --timings` several times and prints each phase's best
and median time, for one or more cfsynth binaries (interleaved, so that a busy moment of a
shared machine hits them alike). Each run writes into a new output directory under OUT.

usage: timings.py RUNS MANIFESTS OUT BINARY [BINARY ...]

e.g.   python3 bench/manifests.py 200 /tmp/m200
       python3 bench/timings.py 20 /tmp/m200 /tmp/timings target/release/cfsynth

The output directories are left in place: deleting many files makes creating files on the
same filesystem slow for a while afterwards (see README.md), so remove OUT some minutes
before measuring again.
"""

import collections
import os
import pathlib
import statistics
import subprocess
import sys
import uuid


def main(argv: list[str]) -> int:
    if len(argv) < 5 or not argv[1].isdigit():
        print(__doc__.strip().splitlines()[4], file=sys.stderr)
        return 2
    runs, manifests, out, binaries = int(argv[1]), argv[2], pathlib.Path(argv[3]), argv[4:]
    out.mkdir(parents=True, exist_ok=True)
    phases = {binary: collections.defaultdict(list) for binary in binaries}
    for _ in range(runs):
        for binary in binaries:
            target = out / uuid.uuid4().hex
            # The previous runs' output is written back first (as bench/run does).
            os.sync()
            run = subprocess.run(
                [binary, "synth", manifests, "--out", str(target), "--timings"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                check=True,
            )
            for line in run.stderr.splitlines():
                name, millis, _unit = line.split()
                phases[binary][name].append(float(millis))
    for binary, times in phases.items():
        shown = "  ".join(
            f"{name} {min(values):.1f}/{statistics.median(values):.1f}"
            for name, values in times.items()
        )
        print(f"{binary}: {shown}   (ms, best/median of {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
