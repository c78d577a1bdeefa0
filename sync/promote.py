"""The order of a promotion: sign in, export, check, back up, merge, import,
verify.

Each step either moves the run forward or records one Failure, with what the
user can do about it and whether prod changed. Nothing here formats output.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from sync import merge as merging
from sync import tml
from sync.config import Settings
from sync.result import Failure, LiveboardResult, ProdState, RunResult
from sync.runtime import NOTICE, Runtime
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

# Before 26.5.0.cl an import kept at most this many views per liveboard.
OLD_CLUSTER_VIEW_LIMIT = 100


class StepFailed(Exception):
    def __init__(self, failure: Failure, prod_state: ProdState | None = None) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.prod_state = prod_state


def make_client(settings: Settings, runtime: Runtime) -> Client:
    return Client(
        settings.host,
        settings.username,
        secret_key=settings.secret_key,
        password=settings.password,
        org_id=settings.org_id,
        env="prod",
        timeout=settings.timeout,
        verify=settings.tls_verify,
        on_token=lambda token: runtime.mask([token]),
    )


def promote(
    settings: Settings, runtime: Runtime, client: Client | None = None
) -> RunResult:
    client = client or make_client(settings, runtime)
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
    if settings.tls_verify is False:
        log.warning(
            "TLS certificates are not checked (verify-tls: false)",
            extra={"title": "TLS verification off"},
        )
    try:
        with runtime.group(f"Sign in to {settings.host} as {settings.username}"):
            client.login()
            log.info("Signed in to %s", settings.host)

        step = "export"
        with runtime.group("Export dev and prod liveboards"):
            dev_doc, prod_doc, prod_edoc = _export(client, board)

        step = "view check"
        with runtime.group("Check that the export holds every prod view"):
            _check_hidden_views(client, prod_doc, board, settings.allow_view_loss)

        step = "backup"
        with runtime.group("Back up prod"):
            board.backup_path = _backup(settings.backup_dir, board.prod_guid, prod_edoc)

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
    except KeyboardInterrupt:  # also SIGTERM, see __main__
        result.failure = Failure(
            step,
            f"the run was cancelled during {step}",
            f"Check prod liveboard {board.prod_guid}."
            + (
                f" The backup {board.backup_path} holds it as it was."
                if board.backup_path
                else ""
            ),
        )
        if step == "import":
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
                    "Open it in ThoughtSpot (Edit TML) to see what it holds.",
                )
            ) from None
    exported_guid = str(docs["prod"].get("guid") or board.prod_guid).lower()
    if exported_guid != board.prod_guid:
        raise StepFailed(
            Failure(
                "export",
                f"asked for prod liveboard {board.prod_guid}, ThoughtSpot sent "
                f"liveboard {exported_guid}",
                "Nothing was imported. Check 'prod-liveboard-guid'.",
            )
        )
    board.dev_name = _name(docs["dev"]) or items[board.dev_guid].name
    board.prod_name = _name(docs["prod"]) or items[board.prod_guid].name
    log.info(
        "Exported dev '%s' and prod '%s' (%d views on prod)",
        board.dev_name,
        board.prod_name,
        len(tml.views(docs["prod"])),
    )
    return docs["dev"], docs["prod"], items[board.prod_guid].edoc


def _check_hidden_views(
    client: Client, prod: dict, board: LiveboardResult, allow_loss: bool
) -> None:
    """An export holds public views and the exporting account's own private
    ones. The import then replaces all views, so any view the export did not
    show would be deleted: find those before anything is written."""
    listing = client.liveboard_views([board.prod_guid])
    if listing is None:
        log.log(
            NOTICE,
            "This cluster does not list personalized views (metadata/search "
            "include_personalised_views, 26.5.0.cl and later): views hidden "
            "from the export cannot be detected, so this check is skipped",
            extra={"title": "View check skipped"},
        )
        return
    exported = tml.views(prod)
    hidden = [
        v
        for v in listing.get(board.prod_guid, [])
        if merging.missing_views(
            [{"view_guid": v.get("view_guid"), "name": v.get("view_name")}], exported
        )
    ]
    if not hidden:
        log.info("The export holds all %d prod view(s)", len(exported))
        return
    named = ", ".join(
        f"'{v.get('view_name')}' ({'public' if v.get('is_public') else 'private'}"
        f"{', by ' + str(v.get('author_name')) if v.get('author_name') else ''})"
        for v in hidden
    )
    text = (
        f"{len(hidden)} view(s) of prod liveboard '{board.prod_name}' "
        f"({board.prod_guid}) are not in the export, so the import would delete "
        f"them: {named}"
    )
    board.hidden_views = [str(v.get("view_name")) for v in hidden]
    if allow_loss:
        log.warning(
            text + " (allow-view-loss: true)", extra={"title": "Views will be lost"}
        )
        return
    raise StepFailed(
        Failure(
            "view check",
            text,
            "Nothing was imported. ThoughtSpot exports only public views and the "
            "account's own private views: run the promotion as an account that "
            "sees them, ask their owners to share them, or set "
            "'allow-view-loss: true' to accept losing them.",
        ),
        ProdState.UNCHANGED,
    )


def _backup(folder: Path, guid: str, edoc: str) -> Path:
    path = folder / f"{guid}.liveboard.tml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text(encoding="utf-8") != edoc:
            # An earlier run's backup may be the only good copy of prod (say
            # its verification failed): keep it under its own time stamp.
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            kept = path.with_name(f"{guid}.{stamp:%Y%m%dT%H%M%SZ}.liveboard.tml")
            path.replace(kept)
            log.info("The earlier backup was kept as %s", kept)
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
    log.info("Prod TML as exported saved to %s", path)
    return path


def _merge(dev: dict, prod: dict, settings: Settings, board: LiveboardResult) -> dict:
    outcome = merging.merge(dev, prod, settings.policy, target_guid=board.prod_guid)
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
    carried = len(tml.views(outcome.document))
    if carried > OLD_CLUSTER_VIEW_LIMIT:
        log.warning(
            "%d views go into '%s': clusters before 26.5.0.cl keep at most %d "
            "views per liveboard; the check after the import will tell",
            carried,
            board.prod_name,
            OLD_CLUSTER_VIEW_LIMIT,
            extra={"title": "Many views"},
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
        code = f" (code {item.code})" if item.code else ""
        what = "validation of" if settings.dry_run else "import of"
        raise StepFailed(
            Failure(
                "import",
                f"ThoughtSpot rejected the {what} '{board.dev_name}' into prod "
                f"liveboard {board.prod_guid}{code}: {item.message}",
                f"Nothing was written (import policy {result.import_policy}). The "
                "dev liveboard may use a data source, column or parameter prod "
                "does not have: create it in prod first.",
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
    if settings.dry_run:
        log.info("Dry run: ThoughtSpot validated the import; nothing was written")
        return
    result.prod_state = ProdState.CHANGED
    if item.guid and item.guid.lower() != board.prod_guid:
        # The import updated another object than prod's liveboard.
        raise StepFailed(
            Failure(
                "import",
                f"ThoughtSpot wrote liveboard {item.guid}, not prod liveboard "
                f"{board.prod_guid}",
                f"Check liveboard {item.guid} and prod; an obj_id shared by both "
                f"can cause this. The backup {board.backup_path} holds prod as it was.",
            ),
            ProdState.UNKNOWN,
        )
    log.info("Imported into prod liveboard %s", board.prod_guid)


def _verify(client: Client, merged: dict, board: LiveboardResult) -> None:
    expected = tml.views(merged)
    try:
        items = client.export_liveboards(
            [board.prod_guid], labels={board.prod_guid: "prod"}
        )
        present = tml.views(tml.loads(items[board.prod_guid].edoc))
    except (ThoughtSpotError, tml.TmlError) as exc:
        raise StepFailed(
            Failure(
                "verify",
                f"the import was done, but prod could not be read back to check "
                f"its views: {exc}",
                f"Open prod liveboard {board.prod_guid} and check its views; the "
                f"backup {board.backup_path} holds it as it was before.",
            ),
            ProdState.UNVERIFIED,
        ) from None
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
                f"Restore prod from the backup {board.backup_path} (import that "
                "file in ThoughtSpot as an administrator).",
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
    if step in ("export", "view check") and not isinstance(exc, ObjectError):
        # The server's message may not say which liveboard it choked on.
        guids = f"prod liveboard {board.prod_guid}"
        if step == "export":
            guids = f"dev liveboard {board.dev_guid} and {guids}"
        message += f" (for {guids})"
        if exc.status == 400:
            hint = _HINTS[ObjectError]
    if step == "import" and _outcome_unknown(exc):
        hint = (
            "The import was sent but no clear answer came back: prod may have "
            f"changed. Check prod liveboard {board.prod_guid}; the backup "
            f"{board.backup_path} holds it as it was."
        )
    elif step == "import":
        hint = (hint + " Nothing was imported.").strip()
    return Failure(step, message, hint)
