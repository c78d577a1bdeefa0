"""Putting prod back: re-importing backups, after a failed promotion or on
request (``mode: restore``).

A backup is prod's TML exactly as exported before an import. Imported as it is
by an administrator, it makes the liveboard, views included, what it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from sync import tml
from sync.backup import write_backup
from sync.config import Settings
from sync.merge import missing_views
from sync.result import Failure, LiveboardResult, ProdState, RunResult
from sync.runtime import Runtime
from sync.thoughtspot import Client, ThoughtSpotError

log = logging.getLogger("sync.rollback")


class RestoreFailed(Exception):
    """The backups could not be imported, or prod does not match them after."""


def missing_on_prod(
    client: Client, expected: Mapping[str, list[dict]]
) -> dict[str, list[dict]]:
    """Export the prod liveboards (guid -> the views each must hold) in one
    call; the views each lacks, by identity. Raises ThoughtSpotError or
    TmlError when prod cannot be read back."""
    guids = list(expected)
    items = client.export_liveboards(guids, labels=dict.fromkeys(guids, "prod"))
    return {
        g: missing_views(expected[g], tml.views(tml.loads(items[g].edoc)))
        for g in guids
    }


def reimport(client: Client, backups: Mapping[str, str]) -> None:
    """Import each backup (guid -> TML text) in one ALL_OR_NONE call, then
    check that prod holds every view of each backup again."""
    guids = list(backups)
    try:
        items = client.import_tml([backups[g] for g in guids], "ALL_OR_NONE")
        errors = [
            f"liveboard {g}: {item.message or item.status}"
            for g, item in zip(guids, items, strict=False)
            if item.status == "ERROR"
        ]
        if errors:
            raise RestoreFailed("ThoughtSpot rejected the backup: " + "; ".join(errors))
        lacking = missing_on_prod(
            client, {g: tml.views(tml.loads(backups[g])) for g in guids}
        )
    except (ThoughtSpotError, tml.TmlError) as exc:
        raise RestoreFailed(str(exc)) from None
    still_missing = []
    for guid, lost in lacking.items():
        if lost:
            names = ", ".join(repr(str(v.get("name"))) for v in lost)
            still_missing.append(f"liveboard {guid} still lacks {names}")
    if still_missing:
        raise RestoreFailed(
            "after re-importing the backup, " + "; ".join(still_missing)
        )


def restore_from_file(
    settings: Settings, runtime: Runtime, client: Client
) -> RunResult:
    """``mode: restore``: import `backup-file` into prod as it is."""
    backup = settings.restore
    assert backup is not None
    board = LiveboardResult(backup.path, backup.guid)
    board.dev_file = backup.path
    result = RunResult(
        host=settings.host,
        mode="restore",
        import_policy="ALL_OR_NONE",
        backup_dir=settings.backup_dir,
        liveboards=[board],
    )
    started = time.monotonic()
    step = "sign-in"
    try:
        with runtime.group(f"Sign in to {settings.host} as {settings.prod.username}"):
            client.login()
        step = "backup"
        with runtime.group("Back up prod as it is now"):
            # Rolling back must not be a way to lose today's prod either.
            current = client.export_liveboards(
                [backup.guid], labels={backup.guid: "prod"}
            )
            board.prod_name = tml.body(tml.loads(current[backup.guid].edoc)).get("name")
            board.backup_path = write_backup(
                settings.backup_dir, backup.guid, current[backup.guid].edoc
            )
        step = "restore"
        with runtime.group(f"Import {backup.path} into prod"):
            result.prod_state = ProdState.UNKNOWN
            reimport(client, {backup.guid: backup.text})
            result.prod_state = ProdState.RESTORED
            board.verified = len(tml.views(tml.loads(backup.text)))
            log.info("Prod liveboard %s is restored from %s", backup.guid, backup.path)
    except ThoughtSpotError as exc:
        result.failure = Failure(step, str(exc), _hint(step, board))
    except RestoreFailed as exc:
        result.failure = Failure(step, str(exc), _hint(step, board))
    except OSError as exc:  # the backup folder
        result.failure = Failure(
            step, f"could not write the backup: {exc}", _hint(step, board)
        )
    except KeyboardInterrupt:
        result.failure = Failure(step, f"the run was cancelled during {step}", "")
    result.requests = client.requests_made
    result.seconds = time.monotonic() - started
    return result


def _hint(step: str, board: LiveboardResult) -> str:
    if step == "restore":
        return (
            f"Prod may be partly restored: check liveboard {board.prod_guid}. Its "
            f"state before this run is saved in {board.backup_path}."
        )
    return "Nothing was imported."
