"""Kill a ``symdl grade`` run at random (seeded) moments, resume it, and compare with a clean run.

Used by tests/test_faults.py (a few rounds) and as a script for many rounds in a row::

    PYTHONPATH=. python tests/fault_injection.py --rounds 20 --seed 1

Each round starts ``symdl grade --resume`` on a 300-answer batch of cheap answers, waits until the
output holds a seeded number of lines (plus a seeded pause of up to 50 ms), sends SIGKILL, SIGTERM
or SIGINT to the run, and checks that no process of the run is left (every process started by it
carries a marker in its environment, found through /proc). A final ``--resume`` completes the
output, which must equal an uninterrupted run's byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
EXPECTED_STATUS = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 143, signal.SIGINT: 130}


def batch(size: int = 300, seed: int = 0) -> list[dict]:
    """Cheap answers, right and wrong, each a little different (no cache makes one free)."""
    rng = random.Random(seed)
    records = []
    for i in range(size):
        k = rng.randint(2, 40)
        kind = i % 4
        if kind == 0:
            records.append({"id": f"a{i}", "expected": rf"\log(e^{{x}}+e^{{{k}}})", "answer": rf"x+\log(1+e^{{{k}-x}})"})
        elif kind == 1:
            records.append({"id": f"a{i}", "expected": f"{k}x^2", "answer": f"{k + 1}x^2"})
        elif kind == 2:
            records.append({"id": f"a{i}", "expected": rf"\frac{{{k}}}{{1+e^{{-x}}}}", "answer": rf"\frac{{{k}e^x}}{{1+e^x}}"})
        else:
            records.append({"id": f"a{i}", "expected": f"(x+{k})^2", "answer": f"x^2+{k}x+{k * k}"})
    return records


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``marker`` (every process of one run)."""
    needle = marker.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read():
                    with open(f"/proc/{entry}/stat", "rb") as stat:
                        state = stat.read().rsplit(b")", 1)[1].split()[0]
                    if state not in (b"Z", b"X"):
                        found.append(int(entry))
        except OSError:
            continue
    return found


def wait_gone(marker: str, patience: float = 60.0) -> list[int]:
    """Wait (at most ``patience`` seconds) until no process carries ``marker``; the survivors."""
    end = time.monotonic() + patience
    while True:
        left = processes_with(marker)
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.05)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0


def start(source: Path, out: Path, marker: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "SYMDL_FAULT_RUN": marker}
    return subprocess.Popen([sys.executable, "-m", "symdl.cli", "grade", str(source), "-o", str(out), "-j", "2",
                             "--timeout", "60", *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def run_clean(source: Path, out: Path, marker: str) -> bytes:
    process = start(source, out, marker)
    _, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise AssertionError(f"clean run failed ({process.returncode}): {err.decode()}")
    return out.read_bytes()


def kill_and_resume(folder: Path, rounds: int, seed: int, log=lambda line: None) -> dict:
    """``rounds`` interruptions then a completing ``--resume``; returns what was seen.

    Raises AssertionError on a lost, repeated or different record, a process left alive, an
    unexpected exit status or a traceback."""
    base = uuid.uuid4().hex  # in every marker of this call: whatever is left at the end is killed
    try:
        return _kill_and_resume(folder, rounds, seed, log, base)
    finally:
        for pid in processes_with(base):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _kill_and_resume(folder: Path, rounds: int, seed: int, log, base: str) -> dict:
    rng = random.Random(seed)
    source, clean, out = folder / "answers.jsonl", folder / "clean.jsonl", folder / "resumed.jsonl"
    records = batch(seed=seed)
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    reference = run_clean(source, clean, f"{base}-clean")
    seen = {"rounds": [], "left_alive": 0}
    # the moments: after so many lines of output are on disk (a target already passed: at start-up)
    targets = sorted(rng.randint(0, len(records) - 10) for _ in range(rounds))
    for number, target in enumerate(targets):
        sig = rng.choice(SIGNALS)
        pause = rng.uniform(0, 0.05)
        marker = f"{base}-{number:04d}"  # fixed width: no round's marker is a prefix of another's
        process = start(source, out, marker, "--resume")
        while process.poll() is None and _lines(out) < target:
            time.sleep(0.005)
        time.sleep(pause)
        if process.poll() is None:
            os.kill(process.pid, sig)
        _, err = process.communicate(timeout=120)
        status = process.returncode
        left = wait_gone(marker)
        seen["left_alive"] += len(left)
        text = err.decode(errors="replace")
        log(f"round {number + 1}: {signal.Signals(sig).name} at {_lines(out)} lines (aimed at {target}), "
            f"exit {status}, processes left {len(left)}")
        seen["rounds"].append((sig, status, _lines(out)))
        if left:
            raise AssertionError(f"round {number + 1}: {len(left)} process(es) of the run left alive: {left}")
        if "Traceback" in text or len(text.strip().splitlines()) > 1:
            raise AssertionError(f"round {number + 1}: stderr was not one line: {text!r}")
        if status not in (0, EXPECTED_STATUS[sig]):
            raise AssertionError(f"round {number + 1}: exit {status} after {signal.Signals(sig).name}")
    marker = f"{base}-final"
    final = start(source, out, marker, "--resume")
    _, err = final.communicate(timeout=600)
    if final.returncode != 0:
        raise AssertionError(f"final resume failed ({final.returncode}): {err.decode()}")
    if wait_gone(marker):
        raise AssertionError("the final run left a process alive")
    if out.read_bytes() != reference:
        raise AssertionError("the resumed output differs from the uninterrupted run's")
    return seen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        seen = kill_and_resume(Path(folder), args.rounds, args.seed, log=print)
    print(f"passed: {args.rounds} interruptions then --resume; output equal to a clean run's; "
          f"{seen['left_alive']} process(es) left; {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
