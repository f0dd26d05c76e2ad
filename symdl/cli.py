"""The ``symdl`` command: a thin layer over the library, one function per subcommand.

Exit codes: 0 success, 1 a negative finding (a failed verification, a wrong answer),
2 input that could not be used (unknown name, bad parameter, unreadable LaTeX).
"""

from __future__ import annotations

import argparse
import signal
import sys

from symdl import registry
from symdl.errors import SymdlError
from symdl.params import parse_assignments


def cmd_list(args) -> int:
    """Name every built-in derivation with a one-line summary."""
    modules = registry.modules()
    width = max(map(len, modules), default=0)
    for name, module in modules.items():
        print(f"{name:<{width}}  {module.SUMMARY}")
    return 0


def cmd_derive(args) -> int:
    """Print the steps of a derivation, each with the rule that justifies it."""
    from symdl.latex import derivation_to_latex
    from symdl.render import derivation_to_json, derivation_to_text

    derivation = registry.build(args.name, **parse_assignments(args.param))
    writer = {"latex": derivation_to_latex, "text": derivation_to_text, "json": derivation_to_json}[args.format]
    text = writer(derivation)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def cmd_verify(args) -> int:
    """Check every step numerically: one line per check with its maximum relative error."""
    from symdl.verify import TOLERANCE, verify

    names = args.names or registry.names()
    params = parse_assignments(args.param)
    failures = 0
    for name in names:
        derivation = registry.build(name, **(params if args.names else {}))
        print(f"{name}:")
        for result in verify(derivation, seed=args.seed):
            print("  " + result.line(), flush=True)
            failures += not result.passed
    print(f"{'FAILED' if failures else 'passed'}: {failures} failing check(s); bar {TOLERANCE:g}, seed {args.seed}")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    from symdl import __version__
    from symdl.verify import DEFAULT_SEED

    parser = argparse.ArgumentParser(
        prog="symdl",
        description="Derive, render and verify the mathematics of deep learning.",
        epilog="Exit codes: 0 ok, 1 a check or answer failed, 2 the input could not be used.",
    )
    parser.add_argument("--version", action="version", version=f"symdl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, function, **kwargs):
        sub = commands.add_parser(name, help=function.__doc__.splitlines()[0], description=function.__doc__, **kwargs)
        sub.set_defaults(run=function)
        return sub

    command("list", cmd_list)

    derive = command("derive", cmd_derive)
    derive.add_argument("name", help="a derivation name from `symdl list`")
    derive.add_argument("--format", choices=["latex", "text", "json"], default="latex", help="output format (default: latex)")
    derive.add_argument("--param", action="append", metavar="K=V", help="set a parameter, e.g. --param n=4 (repeatable)")

    verify = command("verify", cmd_verify)
    verify.add_argument("names", nargs="*", metavar="NAME", help="derivations to verify (default: all)")
    verify.add_argument("--param", action="append", metavar="K=V", help="parameters for the named derivation")
    verify.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed of the check points (default {DEFAULT_SEED})")
    return parser


def main(argv=None) -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `symdl derive … | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SymdlError as exc:
        print(f"symdl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symdl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
