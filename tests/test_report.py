"""The job summary and the report JSON: shape, escaping, size limits."""

from __future__ import annotations

import json
import re

from sync import report
from sync.merge import ViewOutcome
from sync.result import Failure, LiveboardResult, ProdState, RunResult

PROD = "bbbbbbbb-0000-4000-8000-000000000002"
DEV = "aaaaaaaa-0000-4000-8000-000000000001"


def view(name: str, **extra) -> ViewOutcome:
    fields = {
        "view_guid": "c0ffee00-0000-4000-8000-000000000e01",
        "obj_id": None,
        "source": "prod",
        "result": "carried",
        "is_public": True,
        "author": "ana",
        "filter_count": 2,
    }
    fields.update(extra)
    return ViewOutcome(name=name, **fields)


def result_with(views: list[ViewOutcome], **extra) -> RunResult:
    board = LiveboardResult(DEV, PROD, dev_name="Dev", prod_name="Prod", views=views)
    return RunResult(host="https://x.example", liveboards=[board], **extra)


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| ")]


def cells(row: str) -> int:
    # A cell break is a pipe not escaped with a backslash.
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_hostile_names_keep_the_table_shape_and_stay_inert() -> None:
    hostile = [
        "a | b",
        "line\nbreak",
        "::error::injected",
        "%0A::warning::x",
        "<script>alert(1)</script>",
        "[link](https://evil.example) ![img](x) **bold** `code`",
    ]
    text = report.summary(result_with([view(n, author=n) for n in hostile]))
    rows = table_rows(text)
    assert len(rows) == 2 + len(hostile)
    assert {cells(r) for r in rows} == {5}
    assert "<script>" not in text
    assert not re.search(r"(?<!\\)\]\(https?://evil", text), "no link to it"
    assert "https://evil" not in text, "no bare URL GitHub would autolink"
    assert not any(line.startswith("::") for line in text.splitlines())


def test_heading_per_outcome() -> None:
    ok = result_with([view("A")])
    assert report.heading(ok) == "✅ ThoughtSpot view sync: 1 view carried into prod"
    dry = result_with([view("A"), view("B")], dry_run=True)
    assert report.heading(dry) == "🔍 Dry run: 2 views would be carried; prod unchanged"
    for state, words in [
        (ProdState.UNCHANGED, "prod unchanged"),
        (ProdState.CHANGED, "prod changed: restore it from the backup"),
        (ProdState.UNKNOWN, "prod may have changed"),
        (ProdState.UNVERIFIED, "prod changed but could not be checked"),
    ]:
        failed = result_with([], failure=Failure("import", "x"), prod_state=state)
        assert words in report.heading(failed)


def test_summary_cut_to_fit_github_limit() -> None:
    views = [view(f"{i:05d} " + "v" * 300) for i in range(4000)]
    text = report.summary(result_with(views))
    assert len(text.encode("utf-8")) <= report.SUMMARY_BUDGET
    assert "more views are not shown" in text
    assert "00000 " in text


def test_report_output_cut_to_fit_but_keeps_counts() -> None:
    views = [view("v" * 400) for _ in range(4000)]
    data = json.loads(report.report_json(result_with(views)))
    (board,) = data["liveboards"]
    assert board["views_omitted"] is True and board["views_carried"] == 4000
    small = json.loads(report.report_json(result_with([view("A")])))
    assert small["liveboards"][0]["views"][0]["name"] == "A"


def test_view_link_and_pruned_filters() -> None:
    pruned = view("Mine", stale=["filter Channel"], pruned=["filter Channel"])
    text = report.summary(result_with([pruned]))
    assert f"https://x.example/#/pinboard/{PROD}?view=c0ffee00" in text
    assert "carried, 1 filter pruned: `Channel`" in text


def test_thousands_of_liveboards_still_fit() -> None:
    boards = [
        LiveboardResult(DEV, f"{i:08d}-0000-4000-8000-000000000000", dev_name="D" * 50,
                        prod_name="P" * 300, views=[view("A"), view("B")])
        for i in range(3000)
    ]  # fmt: skip
    result = RunResult(host="https://x.example", liveboards=boards)
    text = report.summary(result)
    assert len(text.encode()) <= report.SUMMARY_BUDGET
    assert "more liveboards are not shown" in text
    data = report.report_json(result)
    assert len(data.encode()) <= report.OUTPUT_BUDGET
    assert json.loads(data)["liveboards_omitted"] > 0


def test_counts_are_zero_when_nothing_reached_prod() -> None:
    failed = result_with([view("A")], failure=Failure("import", "x"))
    assert report.outputs(failed)["views-carried"] == "0"
    restored = result_with(
        [view("A")], failure=Failure("verify", "x"), prod_state=ProdState.RESTORED
    )
    assert report.outputs(restored)["views-carried"] == "0"
    dry = result_with([view("A")], dry_run=True)
    assert report.outputs(dry)["views-carried"] == "1"
