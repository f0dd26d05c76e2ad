"""Benchmarks of the core, run by hand (``pip install '.[bench]'`` for torch). All figures are CPU
time (the machines are shared), and ratios are taken within one run.

    python bench/bench_core.py                     every section below
    python bench/bench_core.py stack               the depth-L residual stack, L = 1, 2, 4, …, 64
    python bench/bench_core.py cold                the five core derivations verified from a cold process
    python bench/bench_core.py gradcheck [--json]  one gradient check: symdl versus torch.autograd.gradcheck

``stack``: time to derive and to verify, and the size of the results (``count_ops``), to show
cost grows linearly in L. ``cold``: each of the five core derivations, and all five in one
command, verified in a fresh interpreter, against ``python -c "import sympy"`` run in turn with
them. ``gradcheck``: the mean CPU time of one numeric check of ∂L/∂W^{(1)} of the residual block
(L = ReLU(W2 ReLU(W1 x) + x) weighted by the upstream gradient), by symdl's ``Gradient`` check as
``symdl verify`` runs it (compiled once; 3 points, complex step) and by ``torch.autograd.gradcheck``
(float64, one point, finite differences against the backward pass), the two alternating in one run.
With ``--json`` it prints one line, ``{"symdl_ms": …, "torch_ms": …}``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CORE = ["gaussian-sse", "hessian-quadratic", "residual-block", "sigmoid-chain", "tanh-sigmoid"]
BLOCK = r"\frac{\partial L}{\partial W^{(1)}}"


def stack_scaling(depths) -> list[tuple]:
    import sympy as sp

    from symdl import registry
    from symdl.verify import verify

    module = registry.get("residual-block")
    rows = []
    for depth in depths:
        start = time.process_time()
        steps, results, _, _ = module.stack(depth)
        derived = time.process_time()
        derivation = dataclasses.replace(registry.build("residual-block", L=0), steps=tuple(steps), results=results,
                                         result_checks={})
        checks = verify(derivation)
        verified = time.process_time()
        assert all(c.passed for c in checks), [c.line() for c in checks if not c.passed]
        ops = sum(sp.count_ops(s.rhs) for s in steps if not isinstance(s.rhs, str))
        rows.append((depth, len(checks), ops, derived - start, verified - derived))
    return rows


def _child_cpu(command) -> float:
    """CPU seconds (user + system) of one run of ``command`` and everything it waited for."""
    before = os.times()
    subprocess.run(command, check=True, capture_output=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def cold_verify(repeats: int) -> list[tuple]:
    """Median CPU seconds of ``symdl verify NAME`` (and of all five at once), and the median ratio to
    ``python -c "import sympy"`` run alternately with it."""
    yardstick = [sys.executable, "-c", "import sympy"]
    rows = []
    for names in [[name] for name in CORE] + [CORE]:
        command = [sys.executable, "-m", "symdl.cli", "verify", *names]
        ours, theirs = [], []
        for _ in range(repeats):
            ours.append(_child_cpu(command))
            theirs.append(_child_cpu(yardstick))
        ratios = [a / b for a, b in zip(ours, theirs)]
        rows.append((" ".join(names) if len(names) == 1 else "all five", statistics.median(ours),
                     statistics.median(theirs), statistics.median(ratios)))
    return rows


def gradcheck_pair():
    """Two functions of no arguments: symdl's check of ∂L/∂W^{(1)}, and torch's gradcheck of the same loss."""
    import torch

    from symdl import registry

    derivation = registry.build("residual-block", L=0)
    check, claim = derivation.result_checks[BLOCK], derivation.results[BLOCK]

    def run_symdl():
        results = check.run("bench", None, claim, derivation, 1)
        assert all(r.passed for r in results), [r.line() for r in results]

    n, m = derivation.sizes.values()
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float64)
    w2 = torch.tensor(rng.normal(size=(n, m)), dtype=torch.float64)
    g = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float64)
    w1 = torch.tensor(rng.normal(size=(m, n)), dtype=torch.float64, requires_grad=True)

    def loss(w1):
        h3 = w2 @ torch.relu(w1 @ x) + x
        return (g * torch.relu(h3)).sum()

    def run_torch():
        assert torch.autograd.gradcheck(loss, (w1,), eps=1e-6, atol=1e-6)

    return run_symdl, run_torch


def gradcheck_times(repeats: int, warmup: int = 5) -> tuple[float, float]:
    """Mean CPU seconds of one check by each, run alternately (symdl's compiles in the warm-up)."""
    run_symdl, run_torch = gradcheck_pair()
    for _ in range(warmup):
        run_symdl()
        run_torch()
    ours = theirs = 0.0
    for _ in range(repeats):
        start = time.process_time()
        run_symdl()
        middle = time.process_time()
        run_torch()
        end = time.process_time()
        ours += middle - start
        theirs += end - middle
    return ours / repeats, theirs / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", nargs="?", choices=["stack", "cold", "gradcheck"], help="one section (default: all)")
    parser.add_argument("--json", action="store_true", help="gradcheck: print one JSON line")
    parser.add_argument("--max-depth", type=int, default=64, help="stack: the deepest stack (default 64)")
    parser.add_argument("--repeats", type=int, help="runs per figure (default: 5 cold, 300 gradcheck)")
    args = parser.parse_args()

    if args.section == "gradcheck" and args.json:
        ours, theirs = gradcheck_times(args.repeats or 300)
        print(json.dumps({"symdl_ms": round(1000 * ours, 4), "torch_ms": round(1000 * theirs, 4)}))
        return

    if args.section in (None, "stack"):
        depths = [2**k for k in range(args.max_depth.bit_length()) if 2**k <= args.max_depth]
        print("## Depth-L residual stack (CPU seconds)\n")
        print("| L | checks | count_ops | derive (s) | verify (s) | verify per block (ms) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for depth, checks, ops, derive, check in stack_scaling(depths):
            print(f"| {depth} | {checks} | {ops} | {derive:.3f} | {check:.3f} | {1000 * check / depth:.1f} |")

    if args.section in (None, "cold"):
        repeats = args.repeats or 5
        print(f"\n## Verified from a cold process (CPU seconds, median of {repeats})\n")
        print('| symdl verify | CPU (s) | python -c "import sympy" (s) | ratio |')
        print("|---|---:|---:|---:|")
        for name, ours, theirs, ratio in cold_verify(repeats):
            print(f"| {name} | {ours:.2f} | {theirs:.2f} | {ratio:.2f} |")

    if args.section in (None, "gradcheck"):
        try:
            ours, theirs = gradcheck_times(args.repeats or 300)
        except ImportError:
            print("\n(torch not installed: pip install '.[bench]' for the gradcheck comparison)")
            return
        print("\n## One gradient check of dL/dW^(1) (residual block), mean CPU time\n")
        print("| check | ms |")
        print("|---|---:|")
        print(f"| symdl Gradient (compiled once; 3 points, complex step) | {1000 * ours:.3f} |")
        print(f"| torch.autograd.gradcheck (float64, 1 point) | {1000 * theirs:.3f} |")
        print(f"| ratio symdl / torch | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
