"""The command line, run as a user runs it: a subprocess, from an unrelated directory."""

import json
import subprocess
import sys

import pytest

from symdl import registry
from symdl.cli import build_parser, main


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
    assert "complex step" in out.stdout and "element-wise diff" not in out.stdout


def test_verify_deep_adds_element_wise_diff(tmp_path):
    out = run("verify", "sigmoid-chain", "--deep", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    methods = [line.split()[2:4] for line in out.stdout.splitlines() if line.strip().startswith("ok")]
    assert methods.count(["complex", "step"]) == methods.count(["element-wise", "diff"]) == 10


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


def test_derive_name_help_lists_the_parameters(capsys):
    """Issue 14, item 14: a derivation's parameters could be found only by passing a wrong one."""
    assert main(["derive", "residual-block", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: symdl derive residual-block")
    for line in ("  n=3  the size of the input x", "  L=2  the depth of the stack of blocks (0: the block alone)"):
        assert line in out
    assert main(["derive", "no-such-derivation", "--help"]) == 2
    assert "unknown derivation" in capsys.readouterr().err


def test_list_params_names_every_parameter_with_its_default(capsys):
    assert main(["list", "--params"]) == 0
    out = capsys.readouterr().out
    for name in registry.names():
        for key, default, text in registry.parameters(name):
            assert f"{key}={default}" in out and text, (name, key)
    assert "input=[96,128,128]" in out and "want=(none)" in out


def test_transposed_counterexample_shows_each_side_in_its_own_shape(capsys):
    code = main(["check", "--expected", "W x", "--answer", "x^T W^T", "--shape", "W=3x4", "--shape", "x=4x1"])
    out = capsys.readouterr().out
    assert code == 1 and "diagnosis: transposed" in out
    expected = next(line for line in out.splitlines() if line.strip().startswith("expected"))
    answer = next(line for line in out.splitlines() if line.strip().startswith("answer"))
    assert "3×1 [" in expected and "1×3 [" in answer  # not two identical flat lists


def test_counterexample_names_the_entries_that_differ(capsys):
    code = main(["check", "--expected", "W", "--answer", "W^T", "--shape", "W=2x2"])
    out = capsys.readouterr().out
    assert code == 1 and "entries that differ: 1, 2" in out
