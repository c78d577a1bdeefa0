"""Shared fixtures: an emulated ThoughtSpot cluster holding the sales liveboards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from actionrun import FIXTURES, ActionRun, assert_no_secrets, run_action
from tsemulator import Emulator

ADMIN = "ts.admin"
PASSWORD = "pw-Adm1n-correct-horse"
SECRET_KEY = "sk-3f9a1c77-trusted-auth-key"
DEV_GUID = "aaaaaaaa-0000-4000-8000-000000000001"
PROD_GUID = "bbbbbbbb-0000-4000-8000-000000000002"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    emu.add_user(ADMIN, password=PASSWORD, secret_key=SECRET_KEY)
    emu.load_liveboard(FIXTURES / "sales" / "dev.liveboard.tml")
    emu.load_liveboard(FIXTURES / "sales" / "prod.liveboard.tml")
    with emu.start():
        yield emu
    assert not emu.spec_violations, emu.spec_violations
    assert not emu.server_errors, emu.server_errors


def issued_tokens(emu: Emulator) -> set[str]:
    tokens = set()
    for request in emu.requests:
        auth = {k.lower(): v for k, v in request.headers.items()}.get("authorization")
        if auth and auth.startswith("Bearer "):
            tokens.add(auth.removeprefix("Bearer "))
    return tokens


class Promote:
    """Runs the action against the emulator and checks no secret leaked."""

    def __init__(self, emu: Emulator, tmp_path: Path) -> None:
        self.emu = emu
        self.tmp_path = tmp_path
        self.runs = 0

    def base_inputs(self) -> dict[str, str]:
        return {
            "host": self.emu.url,
            "username": ADMIN,
            "secret-key": SECRET_KEY,
            "dev-liveboard-guid": DEV_GUID,
            "prod-liveboard-guid": PROD_GUID,
        }

    def __call__(self, declare_defaults: bool = True, **inputs: str) -> ActionRun:
        self.runs += 1
        values = self.base_inputs()
        values.update({k.replace("_", "-"): v for k, v in inputs.items()})
        run = run_action(
            self.tmp_path / f"workspace{self.runs}",
            values,
            declare_defaults=declare_defaults,
        )
        assert_no_secrets(run, [PASSWORD, SECRET_KEY, *issued_tokens(self.emu)])
        return run


@pytest.fixture
def promote(emulator: Emulator, tmp_path: Path) -> Promote:
    return Promote(emulator, tmp_path)
