"""Cold start (issue 12, item 4): the quick commands load no NumPy, SymPy or ANTLR, and run no derivation."""

import subprocess
import sys

import pytest

PROBE = """
import sys
import symdl
from symdl.cli import main
try:
    {argv!r} and main({argv!r})
except SystemExit:
    pass
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {{'numpy', 'sympy', 'antlr4', 'latex2sympy2_extended'}})
ran = sorted(m for m in sys.modules if m.startswith('symdl_derivations.'))
print('LOADED', heavy, ran, file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [[], ["--help"], ["list"], ["verify", "--help"], ["check", "--help"]],
                         ids=["import", "help", "list", "verify-help", "check-help"])
def test_quick_commands_load_nothing_heavy(tmp_path, argv):
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "LOADED [] []" in out.stderr, out.stderr
    if argv == ["list"]:
        assert "residual-block" in out.stdout and "Back-propagation through a residual block" in out.stdout


def test_summaries_read_without_running_match_the_modules():
    from symdl import registry

    summaries = registry.summaries()
    assert list(summaries) == registry.names() and len(summaries) >= 18
    for name, summary in summaries.items():
        module = registry.get(name)
        assert (module.NAME, module.SUMMARY) == (name, summary)
