"""The README's first example is the command's real output (issue 14): every line it shows is printed,
in order; a line "…" stands for lines left out."""

import re
import shlex
from pathlib import Path

from symdl.cli import main

README = Path(__file__).parent.parent / "README.md"


def example_sessions():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Example\n\n```console\n(.*?)```", text, re.S).group(1)
    sessions, current = [], None
    for line in block.splitlines():
        if line.startswith("$ "):
            current = (line[2:], [])
            sessions.append(current)
        else:
            current[1].append(line)
    return sessions


def test_the_first_example_is_real_output(capsys):
    sessions = example_sessions()
    assert [command.split()[:2] for command, _ in sessions] == [["symdl", "derive"], ["symdl", "verify"]]
    for command, shown in sessions:
        assert main(shlex.split(command)[1:]) == 0
        printed = capsys.readouterr().out.splitlines()
        position = 0
        gap = False
        for line in shown:
            if line == "…":
                gap = True
                continue
            if gap:
                assert line in printed[position:], f"{command}: {line!r} is not printed"
                position = printed.index(line, position) + 1
            else:
                assert printed[position] == line, f"{command}: line {position + 1} is {printed[position]!r}, not {line!r}"
                position += 1
            gap = False
        assert gap or position == len(printed), f"{command}: the README stops before the output does"


TOOLS = {  # README row -> how a test module asks for the tool
    "`pdflatex`": r'which\("pdflatex"\)',
    "poppler-utils": r'which\("pdfto(ppm|text)"\)',
    "Chromium": r'which\(c\) for c in \("chromium"',
    "KaTeX": r"\bKATEX\b",
}


def test_the_readme_says_which_tests_need_which_tool():
    """Issue 14, item 15: 31 tests skipped silently without pdflatex, Chromium or KaTeX."""
    text = README.read_text(encoding="utf-8")
    rows = {line for line in text.splitlines() if line.startswith("| ")}
    for tool, asks in TOOLS.items():
        (row,) = [r for r in rows if r.startswith(f"| {tool}") or tool in r.split("|")[1]]
        for module in sorted((README.parent / "tests").glob("test_*.py")):
            if re.search(asks, module.read_text(encoding="utf-8")):
                assert module.name in row, f"the README's row for {tool} does not name {module.name}"
    assert "poppler-utils" in text and "libjs-katex" in text and "pip install '.[plots]'" not in text
