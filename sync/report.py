"""The job summary (GitHub-flavoured Markdown) and the ``report`` JSON.

View and liveboard names are typed by ThoughtSpot users, so every one of them
goes through :func:`md` before it reaches the Markdown: a pipe must not split a
table cell, a newline must not end a row, HTML must not render.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sync.merge import ViewOutcome
from sync.result import LiveboardResult, ProdState, RunResult

# Enough to keep user text inert inside a line or a table cell: no emphasis,
# code, links, images, strike-through or cell breaks. (< and > are HTML-escaped.)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#!~|])")
_SPACE = re.compile(r"\s+")


_AUTOLINK = re.compile(r"(?i)(https?|ftp)(://)|\b(www)(\.)")


def md(text: object) -> str:
    """Plain text made inert for Markdown, on one line."""
    flat = _SPACE.sub(" ", str(text)).strip()
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))
    # GitHub turns bare URLs into links; a zero-width space defeats that.
    return _AUTOLINK.sub(lambda m: "\u200b".join(g for g in m.groups() if g), escaped)


def code(text: object) -> str:
    """Inline code that cannot be closed early by a backtick in the text."""
    flat = _SPACE.sub(" ", str(text)).strip().replace("`", "'")
    return f"`{html.escape(flat, quote=False).replace('|', '&#124;')}`"


def liveboard_url(host: str, guid: str, view_guid: str | None = None) -> str:
    url = f"{host}/#/pinboard/{quote(guid, safe='')}"
    return f"{url}?view={quote(view_guid, safe='')}" if view_guid else url


def _short(guid: str) -> str:
    return f"{guid[:4]}…{guid[-4:]}" if len(guid) > 12 else guid


def _display_path(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


# Past this many liveboards each gets a collapsed section, open only when it
# has something to look at.
COLLAPSE_AFTER = 3


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def heading(result: RunResult) -> str:
    carried = sum(len(b.carried) for b in result.liveboards)
    views = _plural(carried, "view")
    many = len(result.liveboards) > 1
    boards = _plural(len(result.liveboards), "liveboard")
    pruned = sum(b.filters_pruned for b in result.liveboards)
    if result.mode == "restore" and result.failure is None:
        return "✅ ThoughtSpot view sync: prod restored from the backup file"
    if result.failure is None and result.dry_run:
        if many:
            return f"🔍 Dry run: {boards}, {views} would be carried; prod unchanged"
        return f"🔍 Dry run: {views} would be carried; prod unchanged"
    if result.failure is None:
        if many:
            return (
                f"✅ {boards} promoted, {views} carried, "
                f"{_plural(pruned, 'filter')} pruned"
            )
        return f"✅ ThoughtSpot view sync: {views} carried into prod"
    state = {
        ProdState.UNCHANGED: "prod unchanged",
        ProdState.CHANGED: "prod changed: restore it from the backup",
        ProdState.UNKNOWN: "prod may have changed: check it",
        ProdState.UNVERIFIED: "prod changed but could not be checked",
        ProdState.RESTORED: "prod changed, then restored from backup",
        ProdState.RESTORE_FAILED: "prod changed and could not be restored: "
        "restore it from the backup",
    }[result.prod_state]
    return f"❌ ThoughtSpot view sync failed: {state}"


def _needs_a_look(board: LiveboardResult) -> bool:
    return bool(
        board.filters_pruned
        or board.hidden_views
        or board.import_warnings
        or board.import_error
        or board.missing
        or any(v.stale for v in board.views)
    )


def _result_text(view: ViewOutcome, result: RunResult) -> str:
    would = result.dry_run or result.failure is not None
    if view.result == "dropped":
        return f"{'would be ' if would else ''}dropped: {md(view.reason)}"
    if view.result == "kept":
        return f"{'would be ' if would else ''}added from dev: {md(view.reason)}"
    text = "would be carried" if would else "carried"
    if view.pruned:
        n = len(view.pruned)
        refs = ", ".join(code(r.split(" ", 1)[1]) for r in view.pruned)
        text += f", {n} filter{'s' if n != 1 else ''} pruned: {refs} (dev removed it)"
    elif view.stale:
        refs = ", ".join(code(r.split(" ", 1)[1]) for r in view.stale)
        text += f", refers to {refs}, which dev removed"
    return text


def _view_table(
    board: LiveboardResult, views: list[ViewOutcome], result: RunResult, host: str
) -> list[str]:
    lines = [
        "| View | Visibility | Author | Filters | Result |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for view in views:
        target = board.prod_guid if view.source == "prod" else board.dev_guid
        name = md(view.name)
        if view.view_guid:
            name = f"[{name}]({liveboard_url(host, target, view.view_guid)})"
        visibility = {True: "public", False: "private", None: ""}[view.is_public]
        lines.append(
            f"| {name} | {visibility} | {md(view.author or '')} | "
            f"{view.filter_count} | {_result_text(view, result)} |"
        )
    return lines


def _liveboard_section(
    board: LiveboardResult, result: RunResult, row_limit: int | None = None
) -> list[str]:
    host = result.host or ""
    if result.mode == "restore":
        return _restore_section(board, result, host)
    dev_host = result.dev_host or host
    prod_name = md(board.prod_name or board.prod_guid)
    dev_name = md(board.dev_name or board.dev_guid)
    prod = f"[{code(_short(board.prod_guid))}]({liveboard_url(host, board.prod_guid)})"
    if board.dev_file:
        dev = f"file {code(board.dev_file)}"
    else:
        dev = f"[{code(_short(board.dev_guid))}]({liveboard_url(dev_host, board.dev_guid)})"
    cluster = f"cluster {code(_cluster(host))}"
    if dev_host != host and not board.dev_file:
        cluster = f"prod cluster {code(_cluster(host))} · dev cluster {code(_cluster(dev_host))}"
    verb = "now has" if result.ok and not result.dry_run else "would get"
    lines = [
        f"**{prod_name}** {verb} dev's **{dev_name}**",
        f"· prod {prod} · dev {dev} · {cluster}",
        "",
    ]
    if board.import_error:
        lines += [f"ThoughtSpot rejected it: {md(board.import_error)}", ""]
    if board.dev_name is not None and not any(v.source == "prod" for v in board.views):
        lines += ["Prod has no personalized views: there was nothing to carry.", ""]
    if board.views:
        shown = board.views if row_limit is None else board.views[:row_limit]
        lines += [*_view_table(board, shown, result, host), ""]
        if len(shown) < len(board.views):
            lines += [
                f"{len(board.views) - len(shown)} more views are not shown: the "
                "summary is limited to 1 MiB. The `report` output lists them all.",
                "",
            ]
    dropped = board.dropped
    if dropped:
        names = ", ".join(code(v.name) for v in dropped)
        n = len(dropped)
        lines.append(
            f"Not carried: {n} view{'s' if n != 1 else ''} that "
            f"exist{'s' if n == 1 else ''} only in dev ({names}); set "
            f"`dev-views: keep` to promote {'it' if n == 1 else 'them'}."
        )
    if board.hidden_views:
        names = ", ".join(code(n) for n in board.hidden_views)
        lines.append(
            f"Not in the export, so not carried: {names} (other users' private views)."
        )
    if board.import_warnings:
        for warning in board.import_warnings:
            lines.append(f"ThoughtSpot warned: {md(warning)}")
    if board.backup_path:
        lines.append(
            f"Backup of prod as it was: {code(_display_path(board.backup_path))}."
        )
    if board.verified is not None:
        total = board.verified + len(board.missing)
        lines.append(
            f"Checked after import: {board.verified} of {total} views present."
        )
    if board.missing:
        lines.append(
            "Missing after import: " + ", ".join(code(n) for n in board.missing)
        )
    return lines


def _restore_section(board: LiveboardResult, result: RunResult, host: str) -> list[str]:
    prod = f"[{code(_short(board.prod_guid))}]({liveboard_url(host, board.prod_guid)})"
    done = "restored" if result.ok else "not restored"
    lines = [
        f"**{md(board.prod_name or board.prod_guid)}** {prod} {done} from "
        f"{code(board.dev_file or '')} · cluster {code(_cluster(host))}",
        "",
    ]
    if board.backup_path:
        lines.append(
            f"Prod as it was before this run: {code(_display_path(board.backup_path))}."
        )
    if board.verified is not None:
        lines.append(
            f"Checked after import: all {board.verified} views of the backup present."
        )
    return lines


def _cluster(host: str) -> str:
    return re.sub(r"^https?://", "", host)


# GitHub drops a step summary over 1 MiB; leave room for what other steps add.
SUMMARY_BUDGET = 1024 * 1024 - 64 * 1024
# GitHub keeps at most 1 MB per output.
OUTPUT_BUDGET = 1000 * 1000 - 16 * 1024


def summary(result: RunResult) -> str:
    """The job summary, cut to fit GitHub's limit: view rows go first, with a
    note saying how many were left out (the `report` output has them all)."""
    text = _summary(result, None)
    limit = None
    while len(text.encode("utf-8")) > SUMMARY_BUDGET:
        rows = sum(len(b.views) for b in result.liveboards)
        limit = (rows if limit is None else limit) // 2
        text = _summary(result, limit)
        if limit == 0:
            break
    sections = len(result.liveboards)
    while len(text.encode("utf-8")) > SUMMARY_BUDGET and sections > 0:
        # Thousands of liveboards: even without view rows it is too long, so
        # whole sections go, from the end, with a count of what was left out.
        sections //= 2
        text = _summary(result, 0, sections)
    return text


def _summary(
    result: RunResult, row_limit: int | None, section_limit: int | None = None
) -> str:
    lines = [f"## {heading(result)}", ""]
    if result.failure:
        failure = result.failure
        lines += [
            f"**{md(failure.step.capitalize())} failed.** {md(failure.message)}",
            "",
        ]
        if failure.hint:
            lines += [f"What to check: {md(failure.hint)}", ""]
    collapse = len(result.liveboards) > COLLAPSE_AFTER
    shown = (
        result.liveboards
        if section_limit is None
        else result.liveboards[:section_limit]
    )
    for board in shown:
        section = _liveboard_section(board, result, row_limit)
        if collapse:
            # Inside HTML, Markdown is not rendered: escape for HTML only.
            title = html.escape(_SPACE.sub(" ", board.prod_name or board.prod_guid))
            would = "would be " if result.dry_run or not result.ok else ""
            summary_line = (
                f"{title}: {_plural(len(board.carried), 'view')} {would}carried"
            )
            if board.filters_pruned:
                summary_line += (
                    f", {_plural(board.filters_pruned, 'filter')} {would}pruned"
                )
            opened = " open" if _needs_a_look(board) else ""
            section = [
                f"<details{opened}><summary>{summary_line}</summary>",
                "",
                *section,
                "</details>",
            ]
        lines += [*section, ""]
    if len(shown) < len(result.liveboards):
        lines += [
            f"{len(result.liveboards) - len(shown)} more liveboards are not shown: the "
            "summary is limited to 1 MiB. The `report` output counts them all.",
            "",
        ]
    lines += [*_details(result), ""]
    return "\n".join(lines)


def _details(result: RunResult) -> list[str]:
    rows = [
        f"- Requests to ThoughtSpot: {result.requests}",
        f"- Time taken: {result.seconds:.1f}s",
        f"- Import policy: {result.import_policy}",
    ]
    for name, value in sorted(result.non_default_inputs.items()):
        rows.append(f"- Input {code(name)}: {code(value)}")
    return ["<details><summary>Details</summary>", "", *rows, "", "</details>"]


def _view_json(view: ViewOutcome) -> dict[str, Any]:
    return {
        "name": view.name,
        "view_guid": view.view_guid,
        "obj_id": view.obj_id,
        "source": view.source,
        "result": view.result,
        "reason": view.reason,
        "is_public": view.is_public,
        "author": view.author,
        "filters": view.filter_count,
        "pruned": view.pruned,
        "stale": view.stale,
    }


def report_json(result: RunResult) -> str:
    data = {
        "outcome": "failure"
        if result.failure
        else "dry-run"
        if result.dry_run
        else "success",
        "mode": result.mode,
        "prod": result.prod_state.value,
        "import_policy": result.import_policy,
        "error": (
            {"step": result.failure.step, "message": result.failure.message}
            if result.failure
            else None
        ),
        "liveboards": [
            {
                "dev_guid": b.dev_guid,
                "prod_guid": b.prod_guid,
                "dev_name": b.dev_name,
                "prod_name": b.prod_name,
                "backup": str(b.backup_path) if b.backup_path else None,
                "views_carried": len(b.carried),
                "views_dropped": len(b.dropped),
                "filters_pruned": b.filters_pruned,
                "verified": b.verified,
                "missing": b.missing,
                "hidden": b.hidden_views,
                "views": [_view_json(v) for v in b.views],
            }
            for b in result.liveboards
        ],
        "requests": result.requests,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > OUTPUT_BUDGET:
        # Too big for one output: keep the counts, drop the per-view lists.
        for board in data["liveboards"]:
            board["views"] = None
            board["views_omitted"] = True
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    kept = len(data["liveboards"])
    while len(text.encode("utf-8")) > OUTPUT_BUDGET and kept > 0:
        # Still too big (thousands of liveboards): keep the first ones only.
        kept //= 2
        data["liveboards_omitted"] = len(result.liveboards) - kept
        data["liveboards"] = data["liveboards"][:kept]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


def outputs(result: RunResult) -> dict[str, str]:
    # The counts say what reached prod (or, in a dry run, what would): when a
    # failed run wrote nothing, or was rolled back, nothing was carried.
    landed = result.failure is None or result.prod_state not in (
        ProdState.UNCHANGED,
        ProdState.RESTORED,
    )
    boards = result.liveboards if landed else []
    return {
        "views-carried": str(sum(len(b.carried) for b in boards)),
        "views-dropped": str(sum(len(b.dropped) for b in boards)),
        "filters-pruned": str(sum(b.filters_pruned for b in boards)),
        "report": report_json(result),
        "backup-dir": str(result.backup_dir) if result.backup_dir else "",
    }
