"""User-authored names are hostile input; so is size.

View and liveboard names are typed by ThoughtSpot users. Whatever they hold,
the summary keeps its shape (checked by parsing it as GitHub-flavoured
Markdown), annotations are escaped as the runner expects, and no line the
action prints can be read by the runner as a command it did not mean.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from actionrun import FIXTURES, unescape
from conftest import DEV_GUID, PROD_GUID, Promote
from markdown_it import MarkdownIt
from tsemulator import Emulator

from sync import tml

HOSTILE = [
    "East | West",
    "multi\nline\nname",
    "100%0A::error::pwned",
    "::error::not a command",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` [link](https://evil.example) ![i](x)",
    "##[stop-commands]zz",
    "Ünïcödé 名前 🚀",
    "tab\tand\r\ncr",
]
OUR_COMMANDS = ("add-mask", "group", "endgroup", "warning", "error", "notice", "debug")
GFM = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _hostile_prod(emu: Emulator) -> dict:
    prod = copy.deepcopy(emu.get_liveboard(PROD_GUID))
    template = prod["liveboard"]["views"][1]  # sets a value on the removed filter
    views = []
    for i, name in enumerate(HOSTILE):
        view = copy.deepcopy(template)
        view["name"] = name
        view["view_guid"] = f"c0ffee00-0000-4000-8000-{i:012d}"
        view["author"] = {"username": name}
        views.append(view)
    prod["liveboard"]["views"] = views
    prod["liveboard"]["name"] = "Prod | *board*\n::warning::x <b>"
    emu.load_liveboard(prod)
    return prod


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_hostile_names_keep_the_summary_and_the_log_safe(
    emulator: Emulator, tmp_path: Path
) -> None:
    _hostile_prod(emulator)
    run = Promote(emulator, tmp_path)()
    assert run.returncode == 0, run.stdout
    assert [v["name"] for v in tml.views(emulator.get_liveboard(PROD_GUID))] == HOSTILE

    tokens = GFM.parse(run.summary)
    # one table: a header row, then one row per view, five cells each
    rows, cells, row_cells = 0, [], 0
    for token in tokens:
        if token.type == "tr_open":
            row_cells = 0
        elif token.type in ("td_open", "th_open"):
            row_cells += 1
        elif token.type == "tr_close":
            rows += 1
            cells.append(row_cells)
    # (the last row is dev's own view, dropped)
    assert rows == 2 + len(HOSTILE) and set(cells) == {5}
    # what the reader sees in the name column is the name, nothing rendered
    names = []
    in_row, col = False, 0
    for token in tokens:
        if token.type == "tr_open":
            in_row, col = True, 0
        elif token.type == "tr_close":
            in_row = False
        elif token.type == "td_open":
            col += 1
        elif token.type == "inline" and in_row and col == 1:
            names.append("".join(c.content for c in token.children if c.type == "text"))
    expected = [_flat(n) for n in HOSTILE] + ["dev test"]
    assert [_flat(n).replace("\u200b", "") for n in names] == expected
    for token in tokens:
        for child in token.children or []:
            assert child.type not in ("html_inline", "image", "strong", "em", "s")
            if child.type == "link_open":
                assert child.attrs["href"].startswith(emulator.url)
    assert not any(t.type == "html_block" and "<img" in t.content for t in tokens)

    # the log: only our own commands, each on one line, names escaped in them
    for line in (run.stdout + run.stderr).splitlines():
        if line.lstrip().startswith("::"):
            assert line.startswith(tuple(f"::{c}" for c in OUR_COMMANDS)), line
        assert "##[" not in line
    pruned = [w for w in run.warnings if "Sales Channel" in w]
    assert len(pruned) == len(HOSTILE)
    for name in HOSTILE:
        assert any(f"'{name}'" in w.replace("\u200b", "") for w in pruned), name


@pytest.mark.parametrize(
    "value",
    [
        "bbbbbbbb-0000-4000-8000-00000000000",  # one digit short
        "bbbbbbbb_0000_4000_8000_000000000002",
        "{bbbbbbbb-0000-4000-8000-000000000002}",
        "bbbbbbbb-0000-4000-8000-00000000000g",
        "'; DROP TABLE liveboards; --",
        "ｂｂｂｂｂｂｂｂ-0000-4000-8000-000000000002",  # noqa: RUF001 - full-width letters
    ],
)
def test_malformed_guid_inputs(
    promote: Promote, emulator: Emulator, value: str
) -> None:
    run = promote(prod_liveboard_guid=value)
    assert run.returncode == 1
    (error,) = run.errors
    assert "input 'prod-liveboard-guid'" in error and "expected a GUID" in error
    assert emulator.requests == []


def _big_liveboards(target_bytes: int, views: int) -> tuple[dict, dict]:
    dev = tml.loads((FIXTURES / "sales" / "dev.liveboard.tml").read_text())
    prod = tml.loads((FIXTURES / "sales" / "prod.liveboard.tml").read_text())
    base_viz = prod["liveboard"]["visualizations"][0]
    template = prod["liveboard"]["views"][0]
    prod["liveboard"]["views"] = []
    for i in range(views):
        view = copy.deepcopy(template)
        view["name"] = f"View {i:04d} of the regional leads"
        view["view_guid"] = f"c0ffee00-0000-4000-8000-{i:012d}"
        prod["liveboard"]["views"].append(view)
    padding = "x" * 2000
    size, i = len(json.dumps(prod)), 0
    while size < target_bytes:
        viz = copy.deepcopy(base_viz)
        viz["id"] = f"Viz_big_{i}"
        viz["viz_guid"] = f"7e2f4a10-0000-4000-8000-{i:012d}"
        viz["answer"]["chart"]["client_state_v2"] = padding
        prod["liveboard"]["visualizations"].append(viz)
        size += len(json.dumps(viz)) + 2
        i += 1
    dev["liveboard"]["visualizations"] = copy.deepcopy(
        prod["liveboard"]["visualizations"]
    )
    return dev, prod


def test_five_megabyte_liveboard_with_a_thousand_views(
    emulator: Emulator, tmp_path: Path
) -> None:
    dev, prod = _big_liveboards(5 * 1024 * 1024, 1000)
    assert len(json.dumps(prod)) >= 5 * 1024 * 1024
    emulator.load_liveboard(dev)
    emulator.load_liveboard(prod)
    run = Promote(emulator, tmp_path)()
    assert run.returncode == 0, run.stdout[-2000:]
    assert run.outputs["views-carried"] == "1000"
    stored = tml.views(emulator.get_liveboard(PROD_GUID))
    assert [v["view_guid"] for v in stored] == [
        v["view_guid"] for v in prod["liveboard"]["views"]
    ]
    assert len(run.summary.encode()) < 1024 * 1024
    assert run.summary.count("| carried |") == 1000
    assert any("clusters before 26.5.0.cl" in w for w in run.warnings)
    assert DEV_GUID in run.outputs["report"]


def test_unescape_helper_reverses_the_runner_escaping() -> None:
    assert unescape("a%0Ab%25c") == "a\nb%c"
