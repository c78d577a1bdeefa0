"""Shared fixtures: an emulated ThoughtSpot cluster holding the sales liveboards."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from actionrun import FIXTURES, ActionRun, assert_no_secrets, run_action
from hypothesis import settings
from tsemulator import Emulator

# CI runs the property tests on a fixed seed: a submission lands or not on its
# own merits, not on the luck of the draw. Locally they draw afresh each run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ADMIN = "ts.admin"
PASSWORD = "pw-Adm1n-correct-horse"
SECRET_KEY = "sk-3f9a1c77-trusted-auth-key"
DEV_GUID = "aaaaaaaa-0000-4000-8000-000000000001"
# One cluster: sign-in, one export of dev and prod, the view listing, the
# import, the verification export, however many liveboards.
ONE_CLUSTER_REQUESTS = ["auth", "export", "search", "import", "export"]
PROD_GUID = "bbbbbbbb-0000-4000-8000-000000000002"


def leaks(secrets: set[str], places: dict[str, str]) -> list[str]:
    """The places whose text holds a secret (the ::add-mask:: line aside)."""
    found = []
    for place, text in places.items():
        kept = "\n".join(
            ln for ln in text.splitlines() if not ln.startswith("::add-mask::")
        )
        if any(secret in kept for secret in secrets):
            found.append(place)
    return found


@pytest.fixture(autouse=True)
def no_secret_leaks(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, capfd
) -> Iterator[None]:
    """Fail any test whose captured output or written files hold a secret or a
    token: every credential of every emulator the test started, and every
    token those emulators issued."""
    started: list[Emulator] = []
    real_start = Emulator.start

    def tracked_start(self: Emulator, *args, **kwargs) -> Emulator:
        started.append(self)
        return real_start(self, *args, **kwargs)

    monkeypatch.setattr(Emulator, "start", tracked_start)
    root = (
        request.getfixturevalue("tmp_path")
        if "tmp_path" in request.fixturenames
        else None
    )
    yield
    out, err = capfd.readouterr()
    secrets = {
        value
        for emu in started
        for user in emu.store.users.values()
        for value in (user.password, user.secret_key)
        if value and len(value) >= 6
    }
    secrets |= {t for emu in started for t in [*issued_tokens(emu), *emu.store.tokens]}
    places = {"captured stdout": out, "captured stderr": err}
    if root is not None:
        for path in root.rglob("*"):
            if path.is_file() and path.stat().st_size < 20_000_000:
                places[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    found = leaks(secrets, places)
    assert not found, f"a secret or token leaked into {', '.join(found)}"
    # Give the output back, so pytest still shows it for a failing test.
    sys.stdout.write(out)
    sys.stderr.write(err)


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
