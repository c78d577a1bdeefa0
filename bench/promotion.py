"""API requests of one promotion of N liveboards, end to end: the emulator
in this process, entrypoint.py started as GitHub's runner starts it."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from actionrun import FIXTURES, run_action
from tsemulator import Emulator

from bench.figures import BenchError
from sync import tml

ADMIN = "bench.admin"
SECRET_KEY = "sk-bench-trusted-auth-key"  # the emulator's, made up here


def _pair_guids(i: int) -> tuple[str, str]:
    return f"aaaaaaaa-0000-4000-8000-{i:012d}", f"bbbbbbbb-0000-4000-8000-{i:012d}"


def requests_for(count: int) -> int:
    """Requests the emulator saw for one run promoting `count` pairs made
    from the sales fixtures; the run must succeed."""
    dev = tml.loads((FIXTURES / "sales" / "dev.liveboard.tml").read_text())
    prod = tml.loads((FIXTURES / "sales" / "prod.liveboard.tml").read_text())
    emu = Emulator()
    emu.add_user(ADMIN, secret_key=SECRET_KEY)
    lines = []
    for i in range(1, count + 1):
        dev_guid, prod_guid = _pair_guids(i)
        emu.load_liveboard({**copy.deepcopy(dev), "guid": dev_guid})
        emu.load_liveboard({**copy.deepcopy(prod), "guid": prod_guid})
        lines.append(f"{dev_guid} -> {prod_guid}")
    with emu.start(), tempfile.TemporaryDirectory(prefix="bench-run-") as folder:
        run = run_action(
            Path(folder) / "workspace",
            {
                "host": emu.url,
                "username": ADMIN,
                "secret-key": SECRET_KEY,
                "dev-liveboard-guid": "",
                "prod-liveboard-guid": "",
                "liveboards": "\n".join(lines),
            },
        )
        if run.returncode != 0:
            raise BenchError(
                f"the promotion of {count} liveboard(s) failed:\n{run.stdout[-2000:]}"
            )
        if emu.server_errors:
            raise BenchError(f"the emulator failed: {emu.server_errors[0]}")
        return len(emu.requests)
