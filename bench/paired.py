"""Two commands timed side by side: ``python bench/paired.py -n 5 --vs "python -c 'import sympy'" -- symdl check …``.

Runs A and B in turn (A B A B …, after one warm-up of each) and reports the CPU seconds (user +
system, from the operating system's accounting of each finished process) of each, and the ratio
A/B pair by pair: the machines are shared, so a ratio taken within one run is what holds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys


def cpu_seconds(command: list[str]) -> float:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=5, help="counted runs of each command (default 5)")
    parser.add_argument("--vs", required=True, help="command B, one string split as a shell would")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command A, after --")
    args = parser.parse_args()
    a = args.command[1:] if args.command[:1] == ["--"] else args.command
    b = shlex.split(args.vs)
    if not a:
        parser.error("give command A after --")
    cpu_seconds(a), cpu_seconds(b)  # warm-up: file caches, compiled bytecode
    pairs = [(cpu_seconds(a), cpu_seconds(b)) for _ in range(args.runs)]
    ratios = [x / y for x, y in pairs]
    print(f"A cpu s  median {statistics.median(x for x, _ in pairs):.3f}")
    print(f"B cpu s  median {statistics.median(y for _, y in pairs):.3f}")
    print(f"A/B cpu  median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    sys.exit(main())
