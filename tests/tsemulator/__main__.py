"""Run the emulator as a process: `python -m tsemulator --user admin:pw: ...`.

It serves until SIGTERM or SIGINT and writes its base URL to --url-file (written
whole, then renamed, so a waiting reader never sees half a URL).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .emulator import PERSONALISED_VIEWS_SUPPORT, UNKNOWN_GUID_EXPORTS, Emulator
from .error_bodies import ERROR_SHAPES


def _user(text: str) -> tuple[str, str | None, str | None]:
    username, _, rest = text.partition(":")
    password, _, secret_key = rest.partition(":")
    if not username:
        raise argparse.ArgumentTypeError("expected username:password:secret_key")
    return username, password or None, secret_key or None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tsemulator",
        description="Serve an emulated ThoughtSpot REST API v2 on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; the GitHub self-test "
        "workflow alone needs another, for the action's container)",
    )
    parser.add_argument(
        "--user",
        type=_user,
        action="append",
        default=[],
        metavar="NAME:PASSWORD:SECRET_KEY",
        help="an administrator; password or secret key may be empty (repeatable)",
    )
    parser.add_argument(
        "--liveboard", type=Path, action="append", default=[], metavar="FILE"
    )
    parser.add_argument("--org-id", type=int, default=0)
    parser.add_argument("--url-file", type=Path)
    parser.add_argument("--spec", type=Path, help="OpenAPI JSON for request checks")
    parser.add_argument("--error-shape", choices=ERROR_SHAPES, default="spec")
    parser.add_argument("--unknown-guid-export", choices=UNKNOWN_GUID_EXPORTS)
    parser.add_argument("--personalised-views", choices=PERSONALISED_VIEWS_SUPPORT)
    parser.add_argument("--no-trusted-auth", action="store_true")
    parser.add_argument("--hide-other-users-private-views", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    emu = Emulator(spec_path=args.spec, error_shape=args.error_shape)
    if args.unknown_guid_export:
        emu.unknown_guid_export = args.unknown_guid_export
    if args.personalised_views:
        emu.personalised_views_support = args.personalised_views
    emu.trusted_auth_enabled = not args.no_trusted_auth
    emu.hide_other_users_private_views = args.hide_other_users_private_views
    for username, password, secret_key in args.user:
        emu.add_user(username, password, secret_key, orgs=(args.org_id,))
    for path in args.liveboard:
        emu.load_liveboard(path, org_id=args.org_id)

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    emu.start(args.port, args.bind)
    try:
        if args.url_file:
            partial = args.url_file.with_name(args.url_file.name + ".tmp")
            partial.write_text(emu.url + "\n", encoding="utf-8")
            os.replace(partial, args.url_file)
        print(emu.url, flush=True)
        while not stopping.wait(0.2):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
