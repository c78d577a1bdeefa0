"""What a run did, per liveboard and per view: the data the report is made of."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from sync.merge import ViewOutcome, ViewTally


class ProdState(enum.Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    # A write was sent but its outcome is not known (a timeout, a 5xx).
    UNKNOWN = "unknown"
    # The import was applied, but reading prod back to check it failed.
    UNVERIFIED = "changed, not verified"
    # The import lost views; the backup was imported again and checked.
    RESTORED = "restored from backup"
    RESTORE_FAILED = "changed and could not be restored"


@dataclass
class Failure:
    step: str  # configuration, sign-in, export, backup, merge, import, verify
    message: str
    hint: str = ""


@dataclass
class LiveboardResult(ViewTally):
    dev_guid: str
    prod_guid: str
    dev_name: str | None = None
    prod_name: str | None = None
    views: list[ViewOutcome] = field(default_factory=list)
    backup_path: Path | None = None
    # The TML file in the workspace that stood for the dev liveboard, if any.
    dev_file: str | None = None
    import_status: str | None = None
    import_error: str | None = None
    import_warnings: list[str] = field(default_factory=list)
    verified: int | None = None
    missing: list[str] = field(default_factory=list)
    # Views the cluster lists for prod but the export did not hold.
    hidden_views: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    host: str | None
    dev_host: str | None = None
    mode: str = "promote"
    dry_run: bool = False
    import_policy: str = "ALL_OR_NONE"
    liveboards: list[LiveboardResult] = field(default_factory=list)
    failure: Failure | None = None
    prod_state: ProdState = ProdState.UNCHANGED
    requests: int = 0
    seconds: float = 0.0
    backup_dir: Path | None = None
    non_default_inputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None
