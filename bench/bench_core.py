"""Benchmarks of the core, run by hand: ``python bench/bench_core.py`` (needs the ``bench`` extra).

1. The depth-L residual stack, L = 1, 2, 4, …, 64: time to derive and to verify, and the size
   of the results (``count_ops``), to show cost grows linearly in L.
2. Each built-in derivation verified from a cold process (a fresh interpreter per derivation).
3. The numeric gradient check through lambdify against ``torch.autograd.gradcheck`` on the same
   function (the residual block's loss), side by side in one run, as a ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import time

import numpy as np
import sympy as sp


def stack_scaling(depths) -> list[tuple]:
    sys.path.insert(0, ".")
    from symdl import registry, verify

    module = registry.get("residual-block")
    rows = []
    for depth in depths:
        start = time.perf_counter()
        steps, results, _ = module.stack(depth)
        derived = time.perf_counter()
        derivation = module.build(L=0)
        stacked = dataclasses.replace(derivation, steps=tuple(steps), results=results, result_checks={})
        checks = verify(stacked)
        verified = time.perf_counter()
        assert all(c.passed for c in checks), [c.line() for c in checks if not c.passed]
        ops = sum(sp.count_ops(s.rhs) for s in steps if not isinstance(s.rhs, str))
        rows.append((depth, len(steps), ops, derived - start, verified - derived))
    return rows


def cold_verify(names, repeats: int) -> list[tuple]:
    rows = []
    for name in names:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "symdl.cli", "verify", name], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        rows.append((name, statistics.median(times), min(times)))
    return rows


def gradcheck_ratio(repeats: int) -> tuple[float, float]:
    """symdl's element-wise + finite-difference check of ∂L/∂W^{(1)} versus torch.autograd.gradcheck."""
    import torch

    from symdl import registry

    derivation = registry.build("residual-block", L=0)
    target = r"\frac{\partial L}{\partial W^{(1)}}"
    check = derivation.result_checks[target]

    def run_symdl():
        results = check.run("bench", None, derivation.results[target], derivation, 1)
        assert all(r.passed for r in results)

    n, m = derivation.sizes.values()
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float64)
    w2 = torch.tensor(rng.normal(size=(n, m)), dtype=torch.float64)
    g = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float64)

    def loss(w1):
        h3 = w2 @ torch.relu(w1 @ x) + x
        return (g * torch.relu(h3)).sum()

    w1 = torch.tensor(rng.normal(size=(m, n)), dtype=torch.float64, requires_grad=True)

    def run_torch():
        assert torch.autograd.gradcheck(loss, (w1,), eps=1e-6, atol=1e-6)

    def best(function):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    return best(run_symdl), best(run_torch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-depth", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    depths = [2**k for k in range(0, args.max_depth.bit_length()) if 2**k <= args.max_depth]
    print("## Depth-L residual stack\n")
    print("| L | steps | count_ops | derive (s) | verify (s) | verify per block (ms) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for depth, steps, ops, derive, check in stack_scaling(depths):
        print(f"| {depth} | {steps} | {ops} | {derive:.3f} | {check:.2f} | {1000 * check / depth:.0f} |")

    from symdl import registry

    print("\n## Verify each derivation from a cold process\n")
    print("| derivation | median (s) | best (s) |")
    print("|---|---:|---:|")
    for name, median, best in cold_verify(registry.names(), args.repeats):
        print(f"| {name} | {median:.2f} | {best:.2f} |")

    try:
        ours, theirs = gradcheck_ratio(args.repeats)
    except ImportError:
        print("\n(torch not installed: pip install '.[bench]' for the gradcheck comparison)")
        return
    print("\n## Gradient check of dL/dW^(1) (residual block): symdl versus torch.autograd.gradcheck\n")
    print("| check | best of %d (ms) |" % args.repeats)
    print("|---|---:|")
    print(f"| symdl (element-wise sympy.diff + central differences, 3 points) | {1000 * ours:.1f} |")
    print(f"| torch.autograd.gradcheck (float64) | {1000 * theirs:.1f} |")
    print(f"| ratio symdl / torch | {ours / theirs:.1f} |")


if __name__ == "__main__":
    main()
