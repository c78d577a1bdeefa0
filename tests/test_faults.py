"""The fault matrix: every fault the emulator can inject, what the run does.

Each case runs a whole promotion through entrypoint.py and checks the exit
code, the one ::error line, what prod holds afterwards and whether the backup
was written. The observed outcomes are also rendered as the table in
docs/reliability.md; the last test fails when that file is stale (regenerate
with `make reliability`).
"""

from __future__ import annotations

import copy
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import DEV_GUID, PROD_GUID, Promote
from tsemulator import Emulator

from sync import tml

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "reliability.md"
SECOND_DEV = "aaaaaaaa-0000-4000-8000-0000000000d2"
SECOND_PROD = "bbbbbbbb-0000-4000-8000-0000000000b2"


@dataclass(frozen=True)
class Case:
    fault: str
    where: str
    inject: Callable[[Emulator], dict[str, str]]
    exit_code: int
    says: str  # what the ::error line holds ("" for a run that works)
    prod: str  # the report's `prod` field afterwards
    backup: bool
    warns: str = ""


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _batch(emu: Emulator) -> dict[str, str]:
    dev = copy.deepcopy(emu.get_liveboard(DEV_GUID))
    prod = copy.deepcopy(emu.get_liveboard(PROD_GUID))
    dev["guid"], prod["guid"] = SECOND_DEV, SECOND_PROD
    emu.load_liveboard(dev)
    emu.load_liveboard(prod)
    emu.import_error(SECOND_PROD, "Referenced table with name Sales not found.")
    return {
        "dev_liveboard_guid": "",
        "prod_liveboard_guid": "",
        "liveboards": f"{DEV_GUID} {PROD_GUID}\n{SECOND_DEV} {SECOND_PROD}",
    }


def _fail(endpoint: str, status: int, count: int = 1, **kw) -> Callable:
    def inject(emu: Emulator) -> dict[str, str]:
        emu.fail_next(endpoint, status, count=count, **kw)
        return {}

    return inject


def _call(method: str, *args, inputs: dict | None = None) -> Callable:
    def inject(emu: Emulator) -> dict[str, str]:
        getattr(emu, method)(*args)
        return dict(inputs or {})

    return inject


CASES = [
    Case("401 at sign-in (wrong secret key)", "auth",
         lambda emu: {"secret_key": "sk-not-the-right-one"},
         1, "sign-in on prod", "unchanged", False),
    Case("401 after sign-in (token expired)", "export",
         _fail("export", 401), 0, "", "changed", True),
    Case("403 (no privilege)", "export",
         _fail("export", 403), 1, "HTTP 403", "unchanged", False),
    Case("429 storm, Retry-After: 1", "export",
         _fail("export", 429, count=100, headers={"Retry-After": "1"}),
         1, "rate-limited by ThoughtSpot", "unchanged", False),
    Case("500", "export", _fail("export", 500), 1, "HTTP 500", "unchanged", False),
    Case("502, twice", "export", _fail("export", 502, count=2, headers={"Retry-After": "0"}),
         0, "", "changed", True),
    Case("503, twice", "export", _fail("export", 503, count=2, headers={"Retry-After": "0"}),
         0, "", "changed", True),
    Case("504, twice", "export", _fail("export", 504, count=2, headers={"Retry-After": "0"}),
         0, "", "changed", True),
    Case("502 (never retried)", "import", _fail("import", 502),
         1, "prod may have changed", "unknown", True),
    Case("refused connection", "all",
         lambda emu: {"host": _closed_port()},
         1, "Connection refused", "unchanged", False),
    Case("read timeout (timeout: 1)", "import",
         lambda emu: emu.set_latency(2.0, endpoint="import") or {"timeout": "1"},
         1, "no answer in time", "unknown", True),
    Case("non-JSON body", "export",
         _fail("export", 200, body="<html><b>Down for maintenance</b></html>"),
         1, "unexpected response: Down for maintenance", "unchanged", False),
    Case("export item with status ERROR", "export",
         _call("export_error", PROD_GUID, "Cannot download TML due to lack of access"),
         1, f"prod liveboard {PROD_GUID}: Cannot download TML", "unchanged", False),
    Case("edoc missing", "export", _call("export_edoc", PROD_GUID, "missing"),
         1, "the export holds no TML", "unchanged", False),
    Case("edoc empty", "export", _call("export_edoc", PROD_GUID, "empty"),
         1, "the export holds no TML", "unchanged", False),
    Case("import item with status ERROR", "import",
         _call("import_error", PROD_GUID, "Referenced table with name <b>Sales</b> not found."),
         1, "Referenced table with name Sales not found.", "unchanged", True),
    Case("import item with status WARNING", "import",
         _call("import_warning", PROD_GUID, "Column <b>Margin</b> is hidden."),
         0, "", "changed", True, warns="Column Margin is hidden."),
    Case("import reports OK but loses the views", "import",
         _call("lose_views_on_import"),
         1, "Prod was restored from the backup", "restored from backup", True),
    Case("one liveboard of a batch fails to import", "import", _batch,
         1, f"{SECOND_PROD}", "unchanged", True),
]  # fmt: skip


# What the summary's first line says for each state prod is left in.
HEADINGS = {
    "unchanged": "prod unchanged",
    "unknown": "prod may have changed",
    "restored from backup": "prod changed, then restored from backup",
    "changed": "prod changed",
}


@dataclass
class Observed:
    rows: dict[str, list[str]] = field(default_factory=dict)


OBSERVED = Observed()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@pytest.mark.parametrize("case", CASES, ids=[c.fault for c in CASES])
def test_fault(case: Case, emulator: Emulator, tmp_path: Path) -> None:
    before = {g: emulator.get_liveboard(g) for g in (PROD_GUID,)}
    inputs = case.inject(emulator)
    run = Promote(emulator, tmp_path)(**inputs)

    assert run.returncode == case.exit_code, run.stdout
    report = json.loads(run.outputs["report"])
    assert report["prod"] == case.prod
    if case.exit_code:
        (error,) = run.errors
        assert case.says in error
        assert "Traceback" not in run.stdout + run.stderr
        heading = run.summary.splitlines()[0]
        assert HEADINGS[case.prod] in heading, heading
    else:
        assert run.errors == []
    if case.warns:
        assert any(case.warns in w for w in run.warnings)
    backups = list((run.workspace / "thoughtspot-backup").glob("*.liveboard.tml"))
    assert bool(backups) is case.backup
    if case.prod in ("unchanged", "restored from backup"):
        assert emulator.get_liveboard(PROD_GUID) == before[PROD_GUID]
    elif case.prod == "changed":
        views = tml.views(emulator.get_liveboard(PROD_GUID))
        assert [v["name"] for v in views] == ["East region", "My accounts", "Q3 review"]

    OBSERVED.rows[case.fault] = [
        case.fault,
        case.where,
        str(run.returncode),
        f"`{_cell(case.says)}`" if case.says else (f"warns `{case.warns}`" if case.warns else "works"),
        report["prod"],
        "yes" if backups else "no",
    ]  # fmt: skip


def render(rows: list[list[str]]) -> str:
    lines = [
        "# Reliability: the fault matrix",
        "",
        "Generated by `tests/test_faults.py` from what each promotion actually did",
        "against the emulator with that fault injected (regenerate with",
        "`make reliability`; `make test` fails when this file is stale). Every",
        "failing run ends in exactly one `::error` line naming what failed, a job",
        "summary whose heading says whether prod changed, and exit code 1, with no",
        "traceback.",
        "",
        "| Fault | Injected at | Exit | The run says | Prod afterwards | Backup written |",
        "| --- | --- | ---: | --- | --- | --- |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        "Prod afterwards: *unchanged* (nothing was written), *changed* (the promotion",
        "landed and was verified), *unknown* (a write was sent and no clear answer",
        "came back: the run says to check prod, the backup holds it as it was),",
        "*restored from backup* (the import lost views; the backup was imported",
        "again and checked).",
        "",
    ]
    return "\n".join(lines)


def test_reliability_table_is_current() -> None:
    if len(OBSERVED.rows) != len(CASES):
        pytest.skip("only part of the fault matrix ran")
    text = render([OBSERVED.rows[c.fault] for c in CASES])
    if os.environ.get("UPDATE_RELIABILITY") == "1":
        TABLE.parent.mkdir(exist_ok=True)
        TABLE.write_text(text, encoding="utf-8")
    current = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    assert current == text, "docs/reliability.md is stale: run `make reliability`"
