"""The order of a promotion: sign in, export, back up, merge, import, verify.

Each step either moves the run forward or records one Failure, with what the
user can do about it and whether prod changed. Nothing here formats output.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sync import merge as merging
from sync import tml
from sync.config import Settings
from sync.result import Failure, LiveboardResult, ProdState, RunResult
from sync.runtime import Runtime
from sync.thoughtspot import (
    AuthenticationError,
    Client,
    ConnectionFailed,
    ObjectError,
    PermissionDenied,
    RateLimited,
    ThoughtSpotError,
)

log = logging.getLogger("sync.promote")


class StepFailed(Exception):
    def __init__(self, failure: Failure, prod_state: ProdState | None = None) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.prod_state = prod_state


def make_client(settings: Settings) -> Client:
    return Client(
        settings.host,
        settings.username,
        secret_key=settings.secret_key,
        password=settings.password,
        org_id=settings.org_id,
        env="prod",
        timeout=settings.timeout,
        verify=settings.tls_verify,
    )


def promote(
    settings: Settings, runtime: Runtime, client: Client | None = None
) -> RunResult:
    client = client or make_client(settings)
    result = RunResult(
        host=settings.host,
        dry_run=settings.dry_run,
        import_policy="VALIDATE_ONLY" if settings.dry_run else "ALL_OR_NONE",
        backup_dir=settings.backup_dir,
    )
    board = LiveboardResult(settings.dev_guid, settings.prod_guid)
    result.liveboards.append(board)
    started = time.monotonic()
    step = "sign-in"
    try:
        with runtime.group(f"Sign in to {settings.host} as {settings.username}"):
            client.login()
            runtime.mask([client.token])
            log.info("Signed in to %s", settings.host)

        step = "export"
        with runtime.group("Export dev and prod liveboards"):
            dev_doc, prod_doc, prod_edoc = _export(client, board)

        step = "backup"
        with runtime.group("Back up prod"):
            board.backup_path = _backup(settings.backup_dir, board.prod_guid, prod_edoc)
            log.info("Prod TML as exported saved to %s", board.backup_path)

        step = "merge"
        with runtime.group("Carry prod's views into dev's liveboard"):
            merged = _merge(dev_doc, prod_doc, settings, board)

        step = "import"
        with runtime.group(f"Import into prod ({result.import_policy})"):
            _import(client, merged, settings, board, result)

        if settings.verify and not settings.dry_run:
            step = "verify"
            with runtime.group("Verify prod after import"):
                _verify(client, merged, board)
        elif not settings.dry_run:
            log.info("Verification skipped (verify: false)")
    except StepFailed as exc:
        result.failure = exc.failure
        if exc.prod_state is not None:
            result.prod_state = exc.prod_state
    except ThoughtSpotError as exc:
        result.failure = _failure_from(step, exc, board)
        if step == "import" and _outcome_unknown(exc):
            result.prod_state = ProdState.UNKNOWN
    except Exception as exc:  # every failure must reach the report
        log.debug("Unexpected error", exc_info=True)
        result.failure = Failure(
            step,
            f"unexpected error during {step}: {type(exc).__name__}: {exc}",
            "This is a bug in thoughtspot-view-sync; rerun with step debug "
            "logging on (RUNNER_DEBUG=1) and report the traceback.",
        )
        if step == "import":
            result.prod_state = ProdState.UNKNOWN
    result.requests = client.requests_made
    result.seconds = time.monotonic() - started
    return result


def _export(client: Client, board: LiveboardResult) -> tuple[dict, dict, str]:
    items = client.export_liveboards(
        [board.dev_guid, board.prod_guid],
        labels={board.dev_guid: "dev", board.prod_guid: "prod"},
    )
    docs = {}
    for role, guid in (("dev", board.dev_guid), ("prod", board.prod_guid)):
        try:
            docs[role] = tml.loads(items[guid].edoc)
            tml.body_key(docs[role])
        except tml.TmlError as exc:
            raise StepFailed(
                Failure(
                    "export",
                    f"the {role} liveboard {guid} exported TML that cannot be read: {exc}",
                    "Export it in ThoughtSpot (Edit TML) to see what it holds.",
                )
            ) from None
    board.dev_name = _name(docs["dev"]) or items[board.dev_guid].name
    board.prod_name = _name(docs["prod"]) or items[board.prod_guid].name
    log.info(
        "Exported dev '%s' and prod '%s' (%d views on prod)",
        board.dev_name,
        board.prod_name,
        len(tml.views(docs["prod"])),
    )
    return docs["dev"], docs["prod"], items[board.prod_guid].edoc


def _backup(folder: Path, guid: str, edoc: str) -> Path:
    path = folder / f"{guid}.liveboard.tml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(edoc, encoding="utf-8")
    except OSError as exc:
        raise StepFailed(
            Failure(
                "backup",
                f"could not write the backup of prod to {path}: {exc.strerror or exc}",
                "Nothing was imported. Check that 'backup-dir' is a writable "
                "folder in the workspace.",
            )
        ) from None
    return path


def _merge(dev: dict, prod: dict, settings: Settings, board: LiveboardResult) -> dict:
    outcome = merging.merge(dev, prod, settings.policy)
    board.views = outcome.views
    for view in outcome.views:
        for ref in view.pruned:
            log.warning(
                "View '%s' on '%s': removed its %s, which dev's liveboard no "
                "longer has (stale-filters: prune)",
                view.name,
                board.prod_name,
                ref,
                extra={"title": "Stale view filter pruned"},
            )
    stale = outcome.stale_views
    if stale and settings.policy.stale_filters == "fail":
        named = "; ".join(f"'{v.name}': {', '.join(v.stale)}" for v in stale)
        raise StepFailed(
            Failure(
                "merge",
                f"{len(stale)} prod view(s) of '{board.prod_name}' use liveboard "
                f"filters or parameters that dev removed: {named}",
                "Nothing was imported. Put those filters back in dev, or set "
                "'stale-filters' to prune (drop them from the views) or keep.",
            )
        )
    log.info(
        "%d prod view(s) carried, %d dev-only view(s) kept, %d dropped, "
        "%d stale reference(s) pruned",
        len(board.carried),
        len(board.kept),
        len(board.dropped),
        board.filters_pruned,
    )
    return outcome.document


def _import(
    client: Client,
    merged: dict,
    settings: Settings,
    board: LiveboardResult,
    result: RunResult,
) -> None:
    (item,) = client.import_tml([tml.dumps(merged)], result.import_policy)
    board.import_status = item.status
    if item.status == "ERROR":
        written = "nothing was validated" if settings.dry_run else "nothing was written"
        raise StepFailed(
            Failure(
                "import",
                f"ThoughtSpot rejected the import of '{board.dev_name}' into prod "
                f"liveboard {board.prod_guid}"
                f"{f' (code {item.code})' if item.code else ''}: {item.message}",
                f"Prod is unchanged ({written}, import policy "
                f"{result.import_policy}). The dev liveboard may use a data source, "
                "column or parameter prod does not have: create it in prod first.",
            ),
            ProdState.UNCHANGED,
        )
    if item.status == "WARNING" and item.message:
        board.import_warnings.append(item.message)
        log.warning(
            "ThoughtSpot imported '%s' with a warning: %s",
            board.prod_name,
            item.message,
            extra={"title": "Import warning"},
        )
    if item.guid and item.guid != board.prod_guid and not settings.dry_run:
        # The import created or updated another object than prod's liveboard.
        result.prod_state = ProdState.CHANGED
        raise StepFailed(
            Failure(
                "import",
                f"ThoughtSpot wrote liveboard {item.guid}, not prod liveboard "
                f"{board.prod_guid}",
                "Check for an obj_id clash in prod; the backup holds prod as it was.",
            ),
            ProdState.CHANGED,
        )
    if settings.dry_run:
        log.info("Dry run: ThoughtSpot validated the import; nothing was written")
    else:
        result.prod_state = ProdState.CHANGED
        log.info("Imported into prod liveboard %s", board.prod_guid)


def _verify(client: Client, merged: dict, board: LiveboardResult) -> None:
    expected = tml.views(merged)
    items = client.export_liveboards(
        [board.prod_guid], labels={board.prod_guid: "prod"}
    )
    present = tml.views(tml.loads(items[board.prod_guid].edoc))
    missing = merging.missing_views(expected, present)
    board.verified = len(expected) - len(missing)
    board.missing = [str(v.get("name") or v.get("view_guid")) for v in missing]
    if missing:
        raise StepFailed(
            Failure(
                "verify",
                f"after the import, {len(missing)} of {len(expected)} carried view(s) "
                f"are missing from prod liveboard '{board.prod_name}' "
                f"({board.prod_guid}): {', '.join(repr(n) for n in board.missing)}",
                f"Prod changed. Restore it from the backup {board.backup_path} "
                "(import that file in ThoughtSpot as an administrator).",
            ),
            ProdState.CHANGED,
        )
    log.info("All %d carried view(s) are on prod", len(expected))


def _name(doc: dict) -> str | None:
    name = tml.body(doc).get("name")
    return str(name) if name else None


_HINTS = {
    AuthenticationError: "Check 'host', 'username' and 'secret-key' or 'password' "
    "(and 'org-id'). A secret key needs trusted authentication switched on for "
    "the cluster or Org.",
    PermissionDenied: "The account lacks a privilege this step needs: it must be able "
    "to download and edit the liveboards' TML.",
    RateLimited: "ThoughtSpot kept answering 429 (too many requests). Run the "
    "promotion again later.",
    ConnectionFailed: "Check 'host' and that the cluster is reachable from the runner; "
    "for self-signed certificates set 'ca-bundle' or 'verify-tls: false'.",
    ObjectError: "Check that each GUID is a liveboard in that cluster and Org, and "
    "that the account can download its TML.",
}


def _outcome_unknown(exc: ThoughtSpotError) -> bool:
    """Whether a failed import may still have been applied: a 4xx is a refusal,
    but after a 5xx or a lost connection nobody knows."""
    return exc.status is None or exc.status >= 500


def _failure_from(step: str, exc: ThoughtSpotError, board: LiveboardResult) -> Failure:
    hint = next((h for t, h in _HINTS.items() if isinstance(exc, t)), "")
    message = str(exc)
    if step in ("export", "verify") and not isinstance(exc, ObjectError):
        # The server's message may not say which liveboard it choked on.
        guids = f"prod liveboard {board.prod_guid}"
        if step == "export":
            guids = f"dev liveboard {board.dev_guid} and {guids}"
        message += f" (exporting {guids})"
        if exc.status == 400:
            hint = _HINTS[ObjectError]
    if step == "import" and _outcome_unknown(exc):
        hint = (
            "The import was sent but no clear answer came back: prod may have "
            f"changed. Check prod liveboard {board.prod_guid}; the backup "
            f"{board.backup_path} holds it as it was."
        )
    elif step == "import" and board.backup_path:
        hint += " Nothing was imported."
    return Failure(step, message, hint)
