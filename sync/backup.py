"""Prod's TML as exported, kept in the workspace before anything is imported."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("sync.backup")


def backup_path(folder: Path, guid: str) -> Path:
    return folder / f"{guid}.liveboard.tml"


def write_backup(folder: Path, guid: str, edoc: str) -> Path:
    """Write `edoc` byte for byte; raises OSError when the folder is unusable.

    An earlier run's backup that differs may be the only good copy of prod
    (say that run's verification failed), so it is kept under its own time
    stamp rather than overwritten.
    """
    path = backup_path(folder, guid)
    folder.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") != edoc:
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        kept = path.with_name(f"{guid}.{stamp:%Y%m%dT%H%M%SZ}.liveboard.tml")
        path.replace(kept)
        log.info("The earlier backup was kept as %s", kept)
    path.write_text(edoc, encoding="utf-8")
    log.info("Prod TML as exported saved to %s", path)
    return path
