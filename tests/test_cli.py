"""The command line, run as a user runs it: a subprocess, from an unrelated directory."""

import json
import subprocess
import sys

import pytest

from symdl.cli import build_parser


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "symdl.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_list_names_every_derivation(tmp_path):
    out = run("list", cwd=tmp_path)
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert {"residual-block", "sigmoid-chain"} <= set(names)


@pytest.mark.parametrize("fmt, probe", [("latex", r"\Aboxed{\frac{\partial L}{\partial W^{(1)}}"),
                                        ("text", "∂L/∂W^(1) ="), ("json", '"name": "residual-block"')])
def test_derive_formats(tmp_path, fmt, probe):
    out = run("derive", "residual-block", "--format", fmt, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert probe in out.stdout
    if fmt == "json":
        data = json.loads(out.stdout)
        assert any(s["rule"].startswith("sum over both paths; the skip connection") for s in data["steps"])


def test_verify_prints_a_line_per_check_and_exits_zero(tmp_path):
    out = run("verify", "sigmoid-chain", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [l for l in out.stdout.splitlines() if l.strip().startswith(("ok", "FAIL"))]
    assert len(lines) >= 10 and all(l.strip().startswith("ok") for l in lines)
    assert "finite differences" in out.stdout and "element-wise diff" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["derive", "no-such-thing"], "unknown derivation 'no-such-thing'"),
    (["derive", "residual-block", "--param", "n=abc"], "parameter n must be an integer"),
    (["derive", "residual-block", "--param", "n=0"], "parameter n must be between 1"),
    (["derive", "residual-block", "--param", "width=3"], "unknown parameter 'width'"),
    (["derive", "residual-block", "--param", "n"], "expected NAME=VALUE"),
    (["verify", "nope"], "unknown derivation"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, args, message):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_every_command_is_documented():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description and len(sub.description) > 20, name
        for action in sub._actions:
            if action.dest not in ("help",):
                assert action.help, f"{name} {action.dest} has no help"
