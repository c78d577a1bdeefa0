"""Command line: ``python -m sync`` or ``entrypoint.py``, in a workflow or locally."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from sync import __version__, config, report
from sync.config import INPUTS, SECRET_INPUTS, ConfigError
from sync.promote import make_client, promote
from sync.result import Failure, RunResult
from sync.rollback import restore_from_file
from sync.runtime import Runtime

log = logging.getLogger("sync")

_EPILOG = """\
In a GitHub workflow every input arrives as an INPUT_<NAME> variable (for
example INPUT_PROD-LIVEBOARD-GUID); an empty one counts as not given. Run
locally, the original script's variables work too, when the input is not
given: TS_HOST, TS_USERNAME, TS_SECRET_KEY, TS_LIVEBOARD_GUID_DEV,
TS_LIVEBOARD_GUID_PROD. Secrets are read from the environment only
(TS_SECRET_KEY, INPUT_SECRET-KEY or INPUT_PASSWORD), never from flags, so they
do not show in the process list. Flags win over variables.

Outputs go to $GITHUB_OUTPUT and the job summary to $GITHUB_STEP_SUMMARY when
those are set; otherwise both are printed. Exit status: 0 when the promotion
worked (or the dry run validated), 1 on any failure.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="thoughtspot-view-sync",
        description=(
            "Promote a ThoughtSpot liveboard from dev to prod and carry over the "
            "personalized views prod's users saved: export both, merge prod's "
            "views into dev's TML, import it into prod, verify, and report."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for spec in INPUTS:
        if spec.name in SECRET_INPUTS:
            continue
        text = spec.description
        if spec.default:
            text += f" (default: {spec.default})"
        if spec.legacy_env:
            text += f"; or ${spec.legacy_env}"
        parser.add_argument(
            f"--{spec.name}", dest=spec.name, metavar="VALUE", help=text
        )
    parser.add_argument(
        "--debug", action="store_true", help="debug logging, with tracebacks"
    )
    parser.add_argument("--version", action="version", version=__version__)
    return parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One failure code for everything, as --help promises; argparse's own
        # is 2.
        self.print_usage(sys.stderr)
        print(f"::error title=ThoughtSpot view sync failed::{message}", file=sys.stderr)
        raise SystemExit(1)


def _cancel(signum: int, frame: object) -> None:
    # The runner sends SIGTERM when a job is cancelled; turn it into the same
    # path as Ctrl-C so the summary still says where the run stopped.
    raise KeyboardInterrupt


def main(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> int:
    environ = os.environ if environ is None else environ
    args = vars(build_parser().parse_args(argv))
    debug_flag = bool(args.pop("debug"))
    runtime = Runtime(environ)
    # Mask before anything else is printed, even if the rest is invalid.
    runtime.mask(config.secrets_in(environ))
    runtime.set_debug(debug_flag or config.is_debug(environ))
    try:
        settings = config.load(environ, overrides=args, workspace=Path.cwd())
    except ConfigError as exc:
        return _finish(
            runtime,
            RunResult(host=None),
            Failure(
                "configuration",
                f"invalid input: {exc}",
                "Nothing was sent to ThoughtSpot. Fix the inputs named above.",
            ),
        )
    if settings.restore is not None:
        client = make_client(settings.prod, "prod", settings, runtime)
        result = restore_from_file(settings, runtime, client)
    else:
        result = promote(settings, runtime)
    result.non_default_inputs = config.non_defaults(environ, args)
    return _finish(runtime, result, result.failure)


def _finish(runtime: Runtime, result: RunResult, failure: Failure | None) -> int:
    # Server text can echo a credential. Redact it here, before the report
    # escapes it for Markdown: escaped, it would no longer match a mask.
    redact = runtime.redact
    if failure is not None:
        failure = Failure(failure.step, redact(failure.message), redact(failure.hint))
    for board in result.liveboards:
        board.import_error = redact(board.import_error) if board.import_error else None
        board.import_warnings = [redact(w) for w in board.import_warnings]
    result.failure = failure
    try:
        runtime.write_summary(report.summary(result))
        runtime.set_outputs(report.outputs(result))
    except OSError as exc:
        log.error(
            "Could not write the job summary or outputs (%s): %s. Prod %s.",
            exc.filename,
            exc.strerror or exc,
            result.prod_state.value,
            extra={"title": "ThoughtSpot view sync failed"},
        )
        return 1
    if failure is not None:
        parts = [
            f"{failure.step.capitalize()} failed: {failure.message}",
            f"Prod {result.prod_state.value}",
            failure.hint,
        ]
        log.error(
            "%s",
            ". ".join(p.strip().rstrip(".") for p in parts if p.strip()) + ".",
            extra={"title": "ThoughtSpot view sync failed"},
        )
        return 1
    log.info(report.heading(result))
    return 0


def run() -> None:
    signal.signal(signal.SIGTERM, _cancel)
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # the last net: one ::error, no traceback
        print(
            f"::error title=ThoughtSpot view sync failed::unexpected error: "
            f"{type(exc).__name__}; rerun with RUNNER_DEBUG=1 for details"
        )
        if os.environ.get("RUNNER_DEBUG") == "1":
            raise
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    run()
