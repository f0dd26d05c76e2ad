"""The ``symdl`` command: a thin layer over the library, one function per subcommand.

Exit codes: 0 success, 1 a negative finding (a failed verification, a wrong answer),
2 input that could not be used (unknown name, bad parameter, unreadable LaTeX), 3 an answer
symdl could neither prove nor refute ("undecided", with the reason).
"""

from __future__ import annotations

import argparse
import inspect
import os
import signal
import sys

from symdl import registry
from symdl.errors import SymdlError
from symdl.params import parse_assignments


def cmd_list(args) -> int:
    """Name every built-in derivation with a one-line summary (with --params, its parameters too)."""
    summaries = registry.summaries()
    width = max(map(len, summaries), default=0)
    for name, summary in summaries.items():
        print(f"{name:<{width}}  {summary}")
        if args.params:
            print(_parameter_lines(name, indent=" " * (width + 2)))
    return 0


def _parameter_lines(name: str, indent: str = "  ") -> str:
    rows = [(f"{key}={default}", text) for key, default, text in registry.parameters(name)]
    if not rows:
        return f"{indent}(no parameters)"
    width = min(max(len(left) for left, _ in rows), 40)
    return "\n".join(f"{indent}{left:<{width}}  {text}".rstrip() for left, text in rows)


def _derivation_help(name: str) -> str:
    module = registry.get(name)
    return (f"usage: symdl derive {name} [--format latex|text|json] [--param NAME=VALUE ...]\n\n"
            f"{module.SUMMARY}\n\nparameters (--param NAME=VALUE; shown with its default):\n"
            f"{_parameter_lines(name)}\n")


def cmd_derive(args) -> int:
    """Print the steps of a derivation, each with the rule that justifies it.

    symdl derive NAME --help lists the derivation's parameters with their defaults.
    """
    from symdl.latex import derivation_to_latex
    from symdl.render import derivation_to_json, derivation_to_text

    if args.help:
        sys.stdout.write(_derivation_help(args.name) if args.name else args.parser.format_help())
        return 0
    if args.expr is not None:
        from symdl.expr import derive_checked

        if args.name:
            raise SymdlError("give a derivation name or --expr TEX, not both")
        derivation, failed = derive_checked(args.expr, args.wrt, args.shape, hessian=args.hessian,
                                            jacobian=args.jacobian)
    elif not args.name:
        raise SymdlError("give a derivation name: symdl derive NAME (symdl list names them), or --expr TEX --wrt NAME")
    elif args.wrt or args.shape or args.hessian or args.jacobian:
        raise SymdlError("--wrt, --shape, --hessian and --jacobian go with --expr TEX")
    else:
        derivation, failed = registry.build(args.name, **parse_assignments(args.param)), []
    writer = {"latex": derivation_to_latex, "text": derivation_to_text, "json": derivation_to_json}[args.format]
    text = writer(derivation)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for result in failed:
        print(f"symdl: verification failed: {result.line()}", file=sys.stderr)
    return 1 if failed else 0


def cmd_verify(args) -> int:
    """Check every step numerically: one line per check with its maximum relative error.

    Each gradient is compared with complex-step (or central) differences of its own scalar, both
    compiled to NumPy array code; --deep also compares it with element-wise sympy.diff (slow).
    """
    from symdl.verify import TOLERANCE, verify

    names = args.names or registry.names()
    params = parse_assignments(args.param)
    failures = 0
    for name in names:
        derivation = registry.build(name, **(params if args.names else {}))
        print(f"{name}:")
        for result in verify(derivation, seed=args.seed, deep=args.deep):
            print("  " + result.line(), flush=True)
            failures += not result.passed
    print(f"{'FAILED' if failures else 'passed'}: {failures} failing check(s); bar {TOLERANCE:g}, seed {args.seed}")
    return 1 if failures else 0


def _check_payload(payload: dict) -> dict:
    from symdl.check import check, check_derivation
    from symdl.decide import compare

    compare.CROSS_CHECK = False  # one answer, in its own worker: the proof decides, nothing to count

    if payload.get("working"):
        from symdl.working import check_working

        working = check_working(payload["answer"], expected=payload["expected"], derivation=payload["derivation"],
                                params=payload["params"], shapes=payload["shape"], assume=payload["assume"],
                                indices=payload["indices"], digits=payload.get("digits"), rtol=payload["rtol"])
        return {**working.to_dict(), "gutter": working.gutter()}
    if payload.get("derivation"):
        return check_derivation(payload["derivation"], payload["answer"], params=payload["params"],
                                rtol=payload["rtol"], digits=payload.get("digits")).to_dict()
    return check(payload["expected"], payload["answer"], mode=payload["mode"], wrt=payload["wrt"],
                 shapes=payload["shape"], rtol=payload["rtol"], digits=payload.get("digits")).to_dict()


def cmd_check(args) -> int:
    """Check one answer (LaTeX) against an expected result or a derivation's result, or a whole
    working line by line (--answer-file, or an --answer of several lines; --expected and --derivation
    are then optional and check its last line).

    Exit code 0 means equivalent (proved, or equal at exact or high-precision points), 1 not
    equivalent (with a counterexample), 3 undecided (neither could be shown; the reason is given),
    2 the input could not be checked.
    """
    import json

    from symdl.sandbox import run_one

    from symdl.parse.working import is_working

    answer = _answer_text(args)
    if args.expected and args.derivation:
        raise SymdlError("give at most one of --expected TEX and --derivation NAME")
    working = bool(args.answer_file) or is_working(answer) or bool(args.assume) \
        or not (args.expected or args.derivation)
    if working and args.mode != "value":
        raise SymdlError("objective mode checks one answer, not a working")
    payload = {"expected": args.expected, "derivation": args.derivation, "answer": answer,
               "mode": args.mode, "wrt": args.wrt, "shape": args.shape, "rtol": args.rtol, "digits": args.digits,
               "params": parse_assignments(args.param), "working": working, "assume": args.assume or [],
               "indices": _index_ranges(args.index)}
    result = run_one(_check_payload, payload, args.timeout)
    verdict = result.get("verdict", "error")
    if args.json:
        keys = ("verdict", "detail", "diagnosis", "counterexample", "method", "steps", "first_wrong")
        print(json.dumps({k: result[k] for k in keys if k in result}, ensure_ascii=False))
    elif result.get("gutter"):
        print(result["gutter"])
        print(f"{verdict.replace('_', ' ')}: {result.get('detail', '')}")
    else:
        print(f"{verdict.replace('_', ' ')}: {result.get('detail', '')}")
        if result.get("method"):
            print(f"method: {result['method']}")
        if result.get("diagnosis"):
            print(f"diagnosis: {result['diagnosis']}")
        if result.get("counterexample"):
            c = result["counterexample"]
            point = list((c.get("point") or {}).items())
            shown = ", ".join(f"{k} = {v:.6g}" for k, v in point[:6]) + (f", … {len(point) - 6} more" if len(point) > 6 else "")
            print(f"counterexample at {shown or 'no free symbols'}:")
            print(f"  expected {_brief(c.get('expected'), c.get('expected_shape'))}")
            print(f"  answer   {_brief(c.get('answer'), c.get('answer_shape'))}")
            if c.get("differing_entries"):
                print(f"  (entries that differ: {', '.join(str(n) for n in c['differing_entries'][:8])})")
    return {"equivalent": 0, "not_equivalent": 1, "undecided": 3}.get(verdict, 2)


MAX_ANSWER_FILE = 1_000_000


def _answer_text(args) -> str:
    """The answer: --answer, or the file --answer-file names ('-' for standard input)."""
    if bool(args.answer) == bool(args.answer_file):
        raise SymdlError("give exactly one of --answer TEX and --answer-file FILE")
    if args.answer:
        return args.answer
    try:
        if args.answer_file == "-":
            text = sys.stdin.read(MAX_ANSWER_FILE + 1)
        else:
            with open(args.answer_file, encoding="utf-8") as handle:
                text = handle.read(MAX_ANSWER_FILE + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise SymdlError(f"cannot read {args.answer_file}: {exc.strerror if isinstance(exc, OSError) else exc}") \
            from None
    if len(text) > MAX_ANSWER_FILE:
        raise SymdlError(f"{args.answer_file} is longer than {MAX_ANSWER_FILE} characters")
    return text


def _index_ranges(items) -> dict:
    """``["i=1:3"]`` → ``{"i": [1, 3]}``."""
    ranges = {}
    for item in items or ():
        name, _, span = item.partition("=")
        low, _, high = span.partition(":")
        if not (name.strip() and low.strip().isdigit() and high.strip().isdigit()):
            raise SymdlError(f"--index {item!r}: expected NAME=LOW:HIGH, e.g. i=1:3")
        ranges[name.strip()] = [int(low), int(high)]
    return ranges


def _brief(values, shape=None) -> str:
    """A counterexample's values; a matrix row by row with its shape, so a transpose shows as one."""
    def number(v):
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    if isinstance(values, list) and isinstance(shape, list) and len(shape) == 2 and shape[1] \
            and len(values) == shape[0] * shape[1] and len(values) <= 16:
        rows = [values[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]
        return f"{shape[0]}×{shape[1]} [" + "; ".join(", ".join(map(number, row)) for row in rows) + "]"
    if isinstance(values, list):
        text = ", ".join(map(number, values[:6]))
        return f"[{text}{', …' if len(values) > 6 else ''}]"
    return number(values)


def cmd_grade(args) -> int:
    """Grade a batch of answers (JSON Lines or CSV) into OUT (JSON Lines, or CSV by its suffix).

    Each input record has id, answer, and expected or derivation; optionally mode, wrt, shape,
    params, digits and rtol. A record without an id is numbered 1, 2, ... in file order.

    OUT is a journal: each result is one complete line, written in input order as soon as it is
    known, so a run stopped at any moment keeps every finished record and --resume continues it.

    Under faults and bad input:
      stopped (Ctrl-C, kill, SIGTERM, SIGHUP, closed terminal): the workers die with the run, in
        their own process group; one line, exit 130 (SIGINT) or 128+signal, no traceback;
      --resume after a crash: a torn last line of OUT is cut (or completed, when only its newline
        is missing) and redone; finished ids are never graded twice;
      ids: compared as written (1 and "1" are one id); ids shared by two records are refused
        before any work, with their line numbers;
      output: control characters, U+2028/U+2029/U+0085 are escaped (JSON \\uXXXX, CSV as
        visible escapes), so every result stays on its line;
      files: FILE, OUT and --report must be different files (checked after symlinks); the report
        is written atomically;
      input: CSV read as utf-8-sig (an Excel BOM is fine), quoted newlines kept, an unterminated
        quote refused with its line; JSON lines end only at a newline, nesting over 32 levels is
        refused; a file with no 'answer' column, exit 2;
      limits: --timeout and -j must be finite and above 0; each worker gets an equal share of
        --memory (at most 3 GiB) as its address-space cap.

    A record whose answer is a multi-line working (aligned, \\ lines, a chain) is checked step by
    step: its result also has steps (each {line, verdict, diagnosis}, line 0-based) and first_wrong
    (the first wrong line, or null); it is not_equivalent when any step is wrong. Such a record may
    state assume (a list of LaTeX facts) and indices (e.g. {"i": [1, 3]}); --report shows each working
    line by line with ✓ / ✗ / · beside it.
    """
    from symdl.grade import grade, print_summary
    from symdl.sandbox import Interrupted, parse_size, stop_on_signals

    if args.report:
        from symdl.report import check_report_path

        check_report_path(args.report)  # a bad report name fails before the grading, not after it
    memory = parse_size(args.memory) if args.memory is not None else None
    progress, bar = None, None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress("grading", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
        bar.start()
        task = bar.add_task("grade", total=None)

        def update(done, total):
            bar.update(task, completed=done, total=total)

        progress = update

    try:
        with stop_on_signals():
            try:
                summary = grade(args.file, args.output, jobs=args.jobs, timeout=args.timeout, resume=args.resume,
                                progress=progress, memory=memory, report=args.report)
            finally:
                if bar is not None:
                    bar.stop()
            print_summary(summary)
            if args.report:
                from symdl.grade import graded
                from symdl.report import write_report

                write_report(*graded(args.file, args.output), args.report)
                print(f"report: {args.report}")
    except Interrupted as stop:
        _say(f"symdl: stopped by {stop.name}; {args.output} keeps every finished result "
             f"(grade again with --resume to continue)")
        return stop.status
    return 0


def _say(line: str) -> None:
    """One line on stderr, even when the terminal is gone."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def cmd_mark(args) -> int:
    """Mark answer sheets (OCR'd Markdown) against an answer key: every line of every question.

    Each checked line gets ✓ right (the checker proved it, or showed it with exact or high-precision
    evidence), ✗ wrong (with its diagnosis and the expected value) or · not checked (with why; also
    every line symdl could not read). Each question scores the key's points of the parts found right.
    The key is an assignment TOML (as `symdl export` reads) whose questions also have label (the
    number as the sheet writes it: 1, Q2, ①, 2(a)) and answer; points and digits are optional.

    Outputs: -o feedback.html|.md (the annotated sheet), --json (verdicts per line; with several
    sheets, a list), --grades with --lms canvas|moodle|prairielearn|plain (students from the file
    names or --students CSV with a 'sheet' column). Sheets run in sandboxed workers (grade's
    machinery) with a timeout each; with --json, finished sheets are journaled in JSON.jsonl and
    --resume skips them.
    """
    import json
    from pathlib import Path

    from symdl.mark.batch import mark_sheets, public
    from symdl.sandbox import Interrupted, parse_size, stop_on_signals

    outputs = [p for p in (args.output, args.json, args.grades) if p]
    if args.output and Path(args.output).suffix.lower() not in (".html", ".htm", ".md"):
        raise SymdlError(f"-o {args.output}: the feedback must end in .html or .md")
    if args.resume and not args.json:
        raise SymdlError("--resume needs --json (its journal JSON.jsonl is kept beside it)")
    for path in outputs:
        if not Path(path).resolve().parent.is_dir():
            raise SymdlError(f"cannot write {path}: no such directory")
    students = None
    if args.students:
        from symdl.mark.lms import read_students

        students = read_students(args.students)
    memory = parse_size(args.memory) if args.memory is not None else None
    journal = f"{args.json}.jsonl" if args.json else None
    progress, bar = None, None
    if sys.stderr.isatty() and len(args.sheets) > 1:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress("marking", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
        bar.start()
        task = bar.add_task("mark", total=len(args.sheets))

        def progress(done, total):
            bar.update(task, completed=done, total=total)

    try:
        with stop_on_signals():
            try:
                marked = mark_sheets(args.sheets, args.key, jobs=args.jobs, timeout=args.timeout,
                                     carried=args.carried, journal=journal, resume=args.resume, progress=progress,
                                     memory=memory)
            finally:
                if bar is not None:
                    bar.stop()
    except Interrupted as stop:
        kept = f"; {journal} keeps every finished sheet (mark again with --resume)" if journal else ""
        print(f"symdl: stopped by {stop.name}{kept}", file=sys.stderr)
        return stop.status
    for sheet in marked:
        counts = {v: sum(1 for q in sheet["questions"] for c in q["claims"] if c["verdict"] == v)
                  for v in ("right", "wrong", "unchecked")}
        status = f"error: {sheet['error']}" if sheet.get("error") else \
            f"{sheet['score']:g}/{sheet['points']:g}  ✓ {counts['right']}  ✗ {counts['wrong']}  · {counts['unchecked']}"
        print(f"{sheet['sheet']}: {status}")
    if args.output:
        from symdl.mark.annotate import render_html, render_markdown

        html = Path(args.output).suffix.lower() in (".html", ".htm")
        Path(args.output).write_text((render_html if html else render_markdown)(marked), encoding="utf-8")
        print(f"feedback: {args.output}")
    if args.json:
        data = public(marked[0]) if len(marked) == 1 else [public(s) for s in marked]
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"json: {args.json}")
    if args.grades:
        from symdl.mark.key import load_key
        from symdl.mark.lms import grade_csv

        title = load_key(args.key).title
        Path(args.grades).write_text(grade_csv(marked, args.lms, assignment=title, students=students),
                                     encoding="utf-8")
        print(f"grades ({args.lms}): {args.grades}")
    return 2 if any(s.get("error") for s in marked) else 0


def cmd_export(args) -> int:
    """Export derivations (or an assignment file) as LaTeX, Markdown, a Jupyter notebook or HTML.

    Each derivation gets its statement, its steps with their rules, the boxed results, its figures
    and a verification certificate. A derivation that fails verification is refused unless
    --allow-unverified, and then marked. The format comes from --format or from OUT's suffix.
    """
    import shlex
    from pathlib import Path

    from symdl.export import export, format_for
    from symdl.journal import refuse_same_files

    refuse_same_files({f"source {source}": source for source in args.sources if Path(source).exists()},
                      {"OUT": args.output})  # an assignment file is never overwritten by its own sheet
    fmt = args.format or format_for(args.output)
    command = ["symdl", "export", *args.sources] + (["--format", fmt] if fmt else [])
    command += ["--fragment"] * args.fragment + ["--allow-unverified"] * args.allow_unverified
    command += [f"--param={p}" for p in args.param or []]
    command += [f"--certificate={args.certificate}"] if args.certificate != "full" else []
    written = export(args.sources, args.format, args.output, fragment=args.fragment,
                     allow_unverified=args.allow_unverified, params=parse_assignments(args.param) or None,
                     command=shlex.join(command), certificate=args.certificate)
    extra = f" and {len(written) - 1} figure file(s)" if len(written) > 1 else ""
    print(f"wrote {written[0]}{extra}")
    return 0


LIMITED_TIMEOUT = 600.0  # seconds a derive, verify or export may run


def _add_limits(sub) -> None:
    """--timeout and --memory for a command that runs in a sandboxed worker (derive, verify, export)."""
    sub.set_defaults(limited=True)
    sub.add_argument("--timeout", type=float, default=LIMITED_TIMEOUT, metavar="SECONDS",
                     help=f"stop the command after this many seconds (default {LIMITED_TIMEOUT:g})")
    sub.add_argument("--memory", metavar="SIZE", default=None,
                     help="the most memory the command may use, e.g. 2G (default 3 GiB, or 3/4 of a smaller machine)")


def run_limited(args) -> int:
    """``args.run(args)`` in a sandboxed worker: its own process group, a wall-clock timeout, a memory
    cap, dead with this process; its output goes straight to stdout. The parameters' size budget is
    checked where the derivation is built (symdl.budget)."""
    from symdl.sandbox import Interrupted, parse_size, positive_number, run_one, stop_on_signals, worker_memory

    timeout = positive_number(args.timeout, "the timeout (--timeout)")
    memory = worker_memory(1, parse_size(args.memory) if args.memory is not None else None)
    command = args.run
    def real(stream, fd):  # the worker writes (and streams) to the same descriptor
        try:
            return stream.fileno() == fd
        except (OSError, ValueError, AttributeError):
            return False  # replaced in-process (a test, a notebook): the worker sends its text back

    direct, direct_err = real(sys.stdout, 1), real(sys.stderr, 2)

    def body(_):
        import io

        if hasattr(signal, "SIGPIPE"):
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        if not direct:
            sys.stdout = io.StringIO()
        if not direct_err:
            sys.stderr = io.StringIO()
        result = {}
        try:
            result["status"] = command(args)
            sys.stdout.flush()
        except SymdlError as exc:
            result.update(status=2, error=str(exc))
        except BrokenPipeError:  # `symdl derive ... | head`: end quietly
            result["status"] = 0
        except (MemoryError, RecursionError):
            raise  # worded by the sandbox
        except Exception:  # noqa: BLE001 - a sentence naming the command, the traceback only for a developer
            if os.environ.get("SYMDL_DEBUG"):
                import traceback

                sys.__stderr__.write(traceback.format_exc())
            words = " ".join([args.command, *(str(a) for a in (getattr(args, "names", None) or
                                                               getattr(args, "sources", None) or
                                                               [getattr(args, "name", None) or ""]))]).strip()
            result.update(status=2, error=f"symdl {words} failed: an internal error (please report this command; "
                                          "SYMDL_DEBUG=1 shows where)")
        if not direct:
            result["stdout"] = sys.stdout.getvalue()
        if not direct_err:
            result["stderr"] = sys.stderr.getvalue()
        return result

    try:
        with stop_on_signals():
            result = run_one(body, None, timeout, memory=memory)
    except Interrupted as stop:
        _say(f"symdl: stopped by {stop.name}")
        return stop.status
    if "status" in result:
        sys.stdout.write(result.get("stdout", ""))
        sys.stderr.write(result.get("stderr", ""))
        if result.get("error"):
            _say(f"symdl: error: {result['error']}")
        return result["status"]
    detail = result.get("detail", "failed")
    if "timed out" in detail:
        detail += " (raise --timeout, or ask for less)"
    elif "memory" in detail:
        detail += " (raise --memory, or ask for less)"
    _say(f"symdl: error: {args.command}: {detail}")
    return 2


def build_parser() -> argparse.ArgumentParser:
    from symdl import __version__
    from symdl.defaults import VERIFY_SEED as DEFAULT_SEED

    parser = argparse.ArgumentParser(
        prog="symdl",
        description="Derive, render and verify the mathematics of deep learning.",
        epilog="Exit codes: 0 ok, 1 a check or answer failed, 2 the input could not be used, 3 undecided.",
    )
    parser.add_argument("--version", action="version", version=f"symdl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, function, **kwargs):
        sub = commands.add_parser(name, help=function.__doc__.splitlines()[0], description=function.__doc__, **kwargs)
        sub.set_defaults(run=function)
        return sub

    listing = command("list", cmd_list)
    listing.add_argument("--params", action="store_true", help="also list each derivation's parameters and defaults")

    derive = command("derive", cmd_derive, add_help=False)
    derive.set_defaults(parser=derive)
    derive.add_argument("-h", "--help", action="store_true",
                        help="show this help; with NAME, the derivation's parameters and their defaults")
    derive.add_argument("name", nargs="?", help="a derivation name from `symdl list`")
    derive.add_argument("--format", choices=["latex", "text", "json"], default="latex", help="output format (default: latex)")
    derive.add_argument("--param", action="append", metavar="K=V", help="set a parameter, e.g. --param n=4 (repeatable)")
    _add_limits(derive)
    derive.add_argument("--expr", metavar="TEX", help="derive this scalar expression (course LaTeX) instead of a built-in; "
                        "every step is verified numerically (exit 1 if a check fails)")
    derive.add_argument("--wrt", action="append", metavar="NAME", help="with --expr: a variable to differentiate by (repeatable)")
    derive.add_argument("--shape", action="append", metavar="NAME=RxC",
                        help="with --expr: a name's shape, e.g. X=3x4, X=mxn, w=n (a vector), y=scalar; "
                             "undeclared upper-case names are matrices, lower-case Latin vectors, Greek scalars, "
                             "with symbolic sizes (repeatable)")
    derive.add_argument("--hessian", action="store_true", help="with --expr: the Hessian (checked symmetric) instead of the gradient")
    derive.add_argument("--jacobian", action="store_true",
                        help="with --expr: the Jacobian of a vector expression, in numerator layout (d(Ax)/dx = A)")

    verify = command("verify", cmd_verify)
    verify.add_argument("names", nargs="*", metavar="NAME", help="derivations to verify (default: all)")
    verify.add_argument("--param", action="append", metavar="K=V", help="parameters for the named derivation")
    verify.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed of the check points (default {DEFAULT_SEED})")
    verify.add_argument("--deep", action="store_true",
                        help="also check every gradient against element-wise sympy.diff of the instantiated scalar (slow)")
    _add_limits(verify)

    check = command("check", cmd_check)
    check.add_argument("--expected", metavar="TEX", help="the right result, in LaTeX")
    check.add_argument("--derivation", metavar="NAME", help="check against this derivation's result for the target named on the answer's left side")
    check.add_argument("--answer", metavar="TEX", help="the answer to check, in LaTeX (several lines: a working)")
    check.add_argument("--answer-file", metavar="FILE",
                       help="a working to check line by line (aligned, align*, lines joined by \\\\; '-' reads stdin)")
    check.add_argument("--assume", action="append", metavar="TEX",
                       help="a fact the working rests on, e.g. '\\sigma > 0', 'H^{T} = H' (repeatable)")
    check.add_argument("--index", action="append", metavar="NAME=LOW:HIGH",
                       help="the range of a free index of a working, e.g. i=1:3 (repeatable)")
    check.add_argument("--mode", choices=["value", "objective"], default="value",
                       help="value: equal as values (default); objective: a positive multiple plus a term constant in --wrt")
    check.add_argument("--wrt", action="append", metavar="VAR", help="the variables of an objective (repeatable)")
    check.add_argument("--shape", action="append", metavar="NAME=RxC", help="declare a matrix, e.g. --shape W=3x4 (repeatable)")
    check.add_argument("--param", action="append", metavar="K=V", help="a parameter of the derivation")
    check.add_argument("--rtol", type=float, help="relative tolerance for numbers, instead of rounding to the digits written")
    check.add_argument("--digits", type=int, metavar="N",
                       help="significant figures a rounded decimal answer must carry (default 2)")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds before the check is stopped (default 10)")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")

    grade = command("grade", cmd_grade, formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.description = inspect.cleandoc(cmd_grade.__doc__)  # the fault table keeps its layout
    grade.add_argument("file", help="answers: JSON Lines (.jsonl) or CSV (.csv)")
    grade.add_argument("-o", "--output", required=True, metavar="OUT", help="results: JSON Lines, or CSV if OUT ends in .csv")
    grade.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: every core)")
    grade.add_argument("--timeout", type=float, default=10.0, help="seconds per answer before it is stopped (default 10)")
    grade.add_argument("--resume", action="store_true",
                       help="skip ids whose line in OUT is complete, repair a torn last line, append the rest")
    grade.add_argument("--memory", metavar="SIZE",
                       help="memory budget of all workers together, e.g. 8G (default: 3/4 of the machine); "
                            "each of the -j workers gets an equal share, at most 3 GiB")
    grade.add_argument("--report", metavar="PATH",
                       help="also write a grading report: HTML (.html, self-contained) or Markdown (.md, chart beside it)")

    mark = command("mark", cmd_mark)
    mark.add_argument("sheets", nargs="+", metavar="SHEET.md", help="answer sheets: OCR'd Markdown with math")
    mark.add_argument("--key", required=True, metavar="KEY.toml", help="the answer key (assignment TOML with label and answer)")
    mark.add_argument("-o", "--output", metavar="FEEDBACK", help="the annotated sheet(s): .html (MathML) or .md")
    mark.add_argument("--json", metavar="PATH", help="verdicts per line and scores as JSON")
    mark.add_argument("--grades", metavar="CSV", help="a grade file for an LMS (see --lms)")
    mark.add_argument("--lms", choices=["canvas", "moodle", "prairielearn", "plain"], default="plain",
                      help="the grade file's format (default plain)")
    mark.add_argument("--students", metavar="CSV", help="who each sheet belongs to: columns sheet, name, id, "
                      "sis_user_id, sis_login_id, section, uid, email (default: the sheet's file name)")
    mark.add_argument("--carried", type=float, default=0.0, metavar="SHARE",
                      help="credit for an answer wrong only by an error carried forward, 0 to 1 (default 0)")
    mark.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: every core)")
    mark.add_argument("--timeout", type=float, default=120.0, help="seconds per sheet before it is stopped (default 120)")
    mark.add_argument("--resume", action="store_true", help="skip sheets already in the journal JSON.jsonl (needs --json)")
    mark.add_argument("--memory", metavar="SIZE", help="memory shared by the workers, e.g. 4G (default: three quarters of the machine)")

    export = command("export", cmd_export)
    export.add_argument("sources", nargs="+", metavar="NAME",
                        help="derivation names, assignment files (.toml) or built-in assignment names")
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="the document to write")
    export.add_argument("--format", metavar="FMT", help="tex, md, ipynb or html (default: from OUT's suffix)")
    export.add_argument("--fragment", action="store_true", help="write only the body, to \\input or include in notes")
    export.add_argument("--allow-unverified", action="store_true",
                        help="export a derivation whose checks fail, marked as unverified")
    export.add_argument("--param", action="append", metavar="K=V", help="a parameter of the named derivations (repeatable)")
    export.add_argument("--certificate", choices=["full", "short", "none"], default="full",
                        help="the verification certificate: full (a sentence and one table of the checks by method; "
                             "the default), short (the sentence) or none")
    _add_limits(export)
    return parser


def main(argv=None) -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `symdl derive … | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "limited", False):
            return run_limited(args)
        return args.run(args)
    except SymdlError as exc:
        print(f"symdl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        print(f"symdl: stopped by {getattr(stop, 'name', 'SIGINT')}", file=sys.stderr)
        return getattr(stop, "status", 130)


if __name__ == "__main__":
    sys.exit(main())
