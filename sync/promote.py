"""The order of a promotion: sign in, export, check, back up, merge, import,
verify, for every liveboard of the run at once.

The number of requests does not grow with the number of liveboards: one
export per environment, one view listing, one import (ALL_OR_NONE: all
promoted or none), one verification export. Each step either moves the run
forward or records one Failure, with what the user can do about it and
whether prod changed. Nothing here formats output.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

from sync import guidmap, tml
from sync import merge as merging
from sync.backup import backup_path, write_backup
from sync.config import Connection, Settings
from sync.pairs import Pair
from sync.result import Failure, LiveboardResult, ProdState, RunResult
from sync.rollback import RestoreFailed, missing_on_prod, reimport
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


class _Board:
    """One pair as it moves through the run: its result plus the documents."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.result = LiveboardResult(pair.dev_label, pair.prod_guid)
        self.result.dev_file = pair.dev_path
        self.dev_doc: dict | None = pair.dev_document
        self.prod_doc: dict = {}
        self.prod_edoc = ""
        self.merged: dict = {}

    @property
    def name(self) -> str:
        return self.result.prod_name or self.pair.prod_guid


def make_client(
    connection: Connection, env: str, settings: Settings, runtime: Runtime
) -> Client:
    return Client(
        connection.host,
        connection.username,
        secret_key=connection.secret_key,
        password=connection.password,
        org_id=connection.org_id,
        env=env,
        timeout=settings.timeout,
        verify=settings.tls_verify,
        on_token=lambda token: runtime.mask([token]),
    )


def promote(
    settings: Settings,
    runtime: Runtime,
    prod: Client | None = None,
    dev: Client | None = None,
) -> RunResult:
    prod = prod or make_client(settings.prod, "prod", settings, runtime)
    if dev is None:
        # One client, one token, when dev is the same cluster, Org and account.
        same = settings.same_connection
        dev = prod if same else make_client(settings.dev, "dev", settings, runtime)
    boards = [_Board(pair) for pair in settings.pairs]
    result = RunResult(
        host=settings.host,
        dev_host=settings.dev.host,
        dry_run=settings.dry_run,
        import_policy="VALIDATE_ONLY" if settings.dry_run else "ALL_OR_NONE",
        backup_dir=settings.backup_dir,
        liveboards=[b.result for b in boards],
    )
    started = time.monotonic()
    step = "sign-in"
    if settings.tls_verify is False:
        log.warning(
            "TLS certificates are not checked (verify-tls: false)",
            extra={"title": "TLS verification off"},
        )
    if settings.dev.host != settings.prod.host and (
        (settings.dev.secret_key, settings.dev.password)
        == (settings.prod.secret_key, settings.prod.password)
    ):
        log.warning(
            "Dev is on another cluster (%s) but has no credential of its own: prod's "
            "secret key or password is sent to it. Set 'dev-secret-key' or "
            "'dev-password' unless that is meant.",
            settings.dev.host,
            extra={"title": "Prod credential sent to dev"},
        )
    try:
        with runtime.group(f"Sign in to {settings.host} as {settings.prod.username}"):
            prod.login()
            log.info("Signed in to prod, %s", settings.host)
            if dev is not prod and any(b.dev_doc is None for b in boards):
                dev.login()
                log.info("Signed in to dev, %s", settings.dev.host)

        step = "export"
        with runtime.group(f"Export {len(boards)} dev and prod liveboard(s)"):
            _export(dev, prod, boards)

        step = "view check"
        with runtime.group("Check that the export holds every prod view"):
            _check_hidden_views(prod, boards, settings.allow_view_loss)

        step = "backup"
        with runtime.group("Back up prod"):
            for board in boards:
                board.result.backup_path = _backup(
                    settings.backup_dir, board.pair.prod_guid, board.prod_edoc
                )

        step = "merge"
        with runtime.group("Carry prod's views into dev's liveboards"):
            _merge(boards, settings)

        step = "import"
        with runtime.group(f"Import into prod ({result.import_policy})"):
            _import(prod, boards, settings, result)

        if settings.verify and not settings.dry_run:
            step = "verify"
            with runtime.group("Verify prod after import"):
                _verify(prod, boards, settings.restore_on_failure)
        elif not settings.dry_run:
            log.info("Verification skipped (verify: false)")
    except StepFailed as exc:
        result.failure = exc.failure
        if exc.prod_state is not None:
            result.prod_state = exc.prod_state
    except ThoughtSpotError as exc:
        result.failure = _failure_from(step, exc, boards)
        if step == "import" and _outcome_unknown(exc):
            result.prod_state = ProdState.UNKNOWN
    except KeyboardInterrupt:  # also SIGTERM, see __main__
        result.failure = Failure(
            step,
            f"the run was cancelled during {step}",
            "Check the prod liveboards; the backup folder holds them as they were."
            if step in ("import", "verify")
            else "",
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
    result.requests = prod.requests_made + (dev.requests_made if dev is not prod else 0)
    result.seconds = time.monotonic() - started
    return result


def _read(role: str, guid: str, edoc: str) -> dict:
    try:
        return tml.loads_liveboard(edoc)
    except tml.TmlError as exc:
        raise StepFailed(
            Failure(
                "export",
                f"the {role} liveboard {guid} exported TML that cannot be read: {exc}",
                "Open it in ThoughtSpot (Edit TML) to see what it holds.",
            )
        ) from None


def _export(dev: Client, prod: Client, boards: list[_Board]) -> None:
    dev_guids = list(dict.fromkeys(b.pair.dev_guid for b in boards if b.pair.dev_guid))
    prod_guids = [b.pair.prod_guid for b in boards]
    labels = {g: "dev" for g in dev_guids} | {g: "prod" for g in prod_guids}
    if dev is prod:
        items = prod.export_liveboards(dev_guids + prod_guids, labels=labels)
        dev_items = prod_items = items
    else:
        prod_items = prod.export_liveboards(prod_guids, labels=labels)
        dev_items = dev.export_liveboards(dev_guids, labels=labels) if dev_guids else {}
    for board in boards:
        pair = board.pair
        item = prod_items[pair.prod_guid]
        board.prod_doc = _read("prod", pair.prod_guid, item.edoc)
        board.prod_edoc = item.edoc
        exported_guid = str(board.prod_doc.get("guid") or pair.prod_guid).lower()
        if exported_guid != pair.prod_guid:
            raise StepFailed(
                Failure(
                    "export",
                    f"asked for prod liveboard {pair.prod_guid}, ThoughtSpot sent "
                    f"liveboard {exported_guid}",
                    "Nothing was imported. Check the prod GUID.",
                )
            )
        if pair.dev_guid:
            board.dev_doc = _read("dev", pair.dev_guid, dev_items[pair.dev_guid].edoc)
        assert board.dev_doc is not None
        board.result.dev_name = _name(board.dev_doc) or (
            dev_items[pair.dev_guid].name if pair.dev_guid else None
        )
        board.result.prod_name = _name(board.prod_doc) or item.name
        log.info(
            "Exported dev '%s'%s and prod '%s' (%d views on prod)",
            board.result.dev_name,
            f" (from {pair.dev_path})" if pair.dev_path else "",
            board.result.prod_name,
            len(tml.views(board.prod_doc)),
        )


def _check_hidden_views(prod: Client, boards: list[_Board], allow_loss: bool) -> None:
    """An export holds public views and the exporting account's own private
    ones. The import then replaces all views, so any view the export did not
    show would be deleted: find those before anything is written."""
    listing = prod.liveboard_views([b.pair.prod_guid for b in boards])
    if listing is None:
        log.log(
            NOTICE,
            "This cluster does not list personalized views (metadata/search "
            "include_personalised_views, 26.5.0.cl and later): views hidden "
            "from the export cannot be detected, so this check is skipped",
            extra={"title": "View check skipped"},
        )
        return
    problems = []
    for board in boards:
        exported = tml.views(board.prod_doc)
        hidden = [
            v
            for v in listing.get(board.pair.prod_guid, [])
            if merging.missing_views(
                [{"view_guid": v.get("view_guid"), "name": v.get("view_name")}],
                exported,
            )
        ]
        if not hidden:
            continue
        board.result.hidden_views = [str(v.get("view_name")) for v in hidden]
        named = ", ".join(
            f"'{v.get('view_name')}' ({'public' if v.get('is_public') else 'private'}"
            f"{', by ' + str(v.get('author_name')) if v.get('author_name') else ''})"
            for v in hidden
        )
        problems.append(
            f"{len(hidden)} view(s) of prod liveboard '{board.name}' "
            f"({board.pair.prod_guid}) are not in the export, so the import would "
            f"delete them: {named}"
        )
    if not problems:
        log.info("The export holds every prod view")
        return
    if allow_loss:
        for text in problems:
            log.warning(
                "%s (allow-view-loss: true)",
                text,
                extra={"title": "Views will be lost"},
            )
        return
    raise StepFailed(
        Failure(
            "view check",
            "; ".join(problems),
            "Nothing was imported. ThoughtSpot exports only public views and the "
            "account's own private views: run the promotion as an account that "
            "sees them, ask their owners to share them, or set "
            "'allow-view-loss: true' to accept losing them.",
        ),
        ProdState.UNCHANGED,
    )


def _backup(folder: Path, guid: str, edoc: str) -> Path:
    try:
        return write_backup(folder, guid, edoc)
    except OSError as exc:
        raise StepFailed(
            Failure(
                "backup",
                f"could not write the backup of prod to {backup_path(folder, guid)}: "
                f"{exc.strerror or exc}",
                "Nothing was imported. Check that 'backup-dir' is a writable "
                "folder in the workspace.",
            )
        ) from None


def _map_guids(board: _Board, settings: Settings) -> dict:
    dev = board.dev_doc
    assert dev is not None
    mapping = settings.guid_mapping or {}
    if mapping:
        dev = guidmap.apply(dev, mapping)
    if not settings.same_cluster_and_org:
        # Dev's data sources have other GUIDs in prod; an unmapped one makes
        # the import fail, or worse, bind to something else.
        targets = set(mapping.values())
        unmapped = sorted(
            {g for g in guidmap.data_source_guids(dev) if g not in targets}
        )
        if unmapped:
            log.warning(
                "Dev liveboard '%s' refers to data sources %s that 'guid-mapping' "
                "does not map to prod; the import may not find them",
                board.result.dev_name,
                ", ".join(unmapped),
                extra={"title": "Unmapped data sources"},
            )
    return dev


def _merge(boards: list[_Board], settings: Settings) -> None:
    stale_texts = []
    for board in boards:
        dev = _map_guids(board, settings)
        outcome = merging.merge(
            dev, board.prod_doc, settings.policy, target_guid=board.pair.prod_guid
        )
        board.merged = outcome.document
        board.result.views = outcome.views
        for view in outcome.views:
            for ref in view.pruned:
                log.warning(
                    "View '%s' on '%s': removed its %s, which dev's liveboard no "
                    "longer has (stale-filters: prune)",
                    view.name,
                    board.name,
                    ref,
                    extra={"title": "Stale view filter pruned"},
                )
        stale = outcome.stale_views
        if stale and settings.policy.stale_filters == "fail":
            named = "; ".join(f"'{v.name}': {', '.join(v.stale)}" for v in stale)
            stale_texts.append(
                f"{len(stale)} prod view(s) of '{board.name}' use liveboard filters "
                f"or parameters that dev removed: {named}"
            )
        if settings.view_upsert:
            no_id = [v.name for v in outcome.carried if not v.obj_id]
            if no_id:
                log.warning(
                    "'%s': %d view(s) have no obj_id, so view upsert cannot match "
                    "them: they are left out of the import for ThoughtSpot to keep "
                    "as stored (any pruning does not apply to them) and checked "
                    "after it: %s",
                    board.name,
                    len(no_id),
                    ", ".join(f"'{n}'" for n in no_id),
                    extra={"title": "Views without obj_id"},
                )
        carried = len(tml.views(outcome.document))
        if carried > OLD_CLUSTER_VIEW_LIMIT:
            log.warning(
                "%d views go into '%s': clusters before 26.5.0.cl keep at most %d "
                "views per liveboard; the check after the import will tell",
                carried,
                board.name,
                OLD_CLUSTER_VIEW_LIMIT,
                extra={"title": "Many views"},
            )
        b = board.result
        log.info(
            "'%s': %d prod view(s) carried, %d dev-only view(s) kept, %d dropped, "
            "%d stale reference(s) pruned",
            board.name,
            len(b.carried),
            len(b.kept),
            len(b.dropped),
            b.filters_pruned,
        )
    if stale_texts:
        raise StepFailed(
            Failure(
                "merge",
                "; ".join(stale_texts),
                "Nothing was imported. Put those filters back in dev, or set "
                "'stale-filters' to prune (drop them from the views) or keep.",
            )
        )


def _sent(board: _Board, settings: Settings) -> dict:
    """The document to import. With view upsert, ThoughtSpot matches views by
    obj_id and keeps the stored views the import leaves out, so a view without
    obj_id is left out: sent, it would be stored a second time. The check
    after the import still expects every view, so a cluster that ignored the
    flag (and dropped them) is caught and prod restored."""
    if not settings.view_upsert:
        return board.merged
    key = tml.body_key(board.merged)
    body = dict(board.merged[key])
    if isinstance(body.get("views"), list):
        body["views"] = [
            v for v in body["views"] if isinstance(v, dict) and v.get("obj_id")
        ]
    return {**board.merged, key: body}


def _import(
    prod: Client, boards: list[_Board], settings: Settings, result: RunResult
) -> None:
    items = prod.import_tml(
        [tml.dumps(_sent(b, settings)) for b in boards],
        result.import_policy,
        upsert_views=settings.view_upsert,
    )
    # Match results to liveboards by request_index, whatever their order.
    by_index = {item.index: item for item in items}
    paired = [(b, by_index.get(i) or items[i]) for i, b in enumerate(boards)]
    errors: list[tuple[_Board, str]] = []
    for board, item in paired:
        board.result.import_status = item.status
        if item.status == "ERROR":
            board.result.import_error = item.message
            code = f" (code {item.code})" if item.code else ""
            errors.append((board, f"{item.message}{code}"))
        elif item.status == "WARNING" and item.message:
            board.result.import_warnings.append(item.message)
            log.warning(
                "ThoughtSpot imported '%s' with a warning: %s",
                board.name,
                item.message,
                extra={"title": "Import warning"},
            )
    if errors:
        what = "validation of" if settings.dry_run else "import of"
        raise StepFailed(
            Failure(
                "import",
                f"ThoughtSpot rejected the {what} " + _name_the_causes(errors),
                f"Nothing was written (import policy {result.import_policy}). A dev "
                "liveboard may use a data source, column or parameter prod does "
                "not have: create or map it ('guid-mapping') first.",
            ),
            ProdState.UNCHANGED,
        )
    if settings.dry_run:
        log.info("Dry run: ThoughtSpot validated the import; nothing was written")
        return
    result.prod_state = ProdState.CHANGED
    for board, item in paired:
        if item.guid and item.guid.lower() != board.pair.prod_guid:
            # The import updated another object than prod's liveboard.
            raise StepFailed(
                Failure(
                    "import",
                    f"ThoughtSpot wrote liveboard {item.guid}, not prod liveboard "
                    f"{board.pair.prod_guid}",
                    f"Check liveboard {item.guid} and prod; an obj_id shared by both "
                    "can cause this. The backup folder holds prod as it was.",
                ),
                ProdState.UNKNOWN,
            )
    log.info("Imported %d liveboard(s) into prod", len(boards))


def _name_the_causes(errors: list[tuple[_Board, str]]) -> str:
    """With ALL_OR_NONE one bad liveboard fails them all, the others with a
    message of their own ("not imported because another failed"): name the
    odd ones out first, then count the rest."""

    def one(board: _Board, message: str) -> str:
        return f"'{board.result.dev_name}' into prod liveboard {board.pair.prod_guid}: {message}"

    counts = Counter(message for _, message in errors)
    common, times = counts.most_common(1)[0]
    if len(counts) == 1 or times == 1:
        return "; ".join(one(b, m) for b, m in errors)
    causes = "; ".join(one(b, m) for b, m in errors if m != common)
    return f"{causes}; and {times} other liveboard(s): {common}"


def _verify(prod: Client, boards: list[_Board], restore: bool) -> None:
    try:
        lacking = missing_on_prod(
            prod, {b.pair.prod_guid: tml.views(b.merged) for b in boards}
        )
    except (ThoughtSpotError, tml.TmlError) as exc:
        raise StepFailed(
            Failure(
                "verify",
                f"the import was done, but prod could not be read back to check "
                f"its views: {exc}",
                "Open the prod liveboards and check their views; the backup "
                "folder holds them as they were before.",
            ),
            ProdState.UNVERIFIED,
        ) from None
    problems = []
    for board in boards:
        expected = tml.views(board.merged)
        missing = lacking[board.pair.prod_guid]
        b = board.result
        b.verified = len(expected) - len(missing)
        b.missing = [str(v.get("name") or v.get("view_guid")) for v in missing]
        if missing:
            problems.append(
                f"{len(missing)} of {len(expected)} carried view(s) are missing from "
                f"prod liveboard '{board.name}' ({board.pair.prod_guid}): "
                f"{', '.join(repr(n) for n in b.missing)}"
            )
    if not problems:
        log.info("Every carried view is on prod")
        return
    text = "after the import, " + "; ".join(problems)
    folder = boards[0].result.backup_path.parent
    if not restore:
        raise StepFailed(
            Failure(
                "verify",
                text,
                f"Restore prod from the backups in {folder} (import those files in "
                "ThoughtSpot as an administrator, or run with 'mode: restore').",
            ),
            ProdState.CHANGED,
        )
    log.warning(
        "Carried views are missing: re-importing prod's backup",
        extra={"title": "Restoring prod"},
    )
    try:
        reimport(prod, {b.pair.prod_guid: b.prod_edoc for b in boards})
    except RestoreFailed as exc:
        raise StepFailed(
            Failure(
                "verify",
                f"{text}. Restoring the backup failed too: {exc}",
                f"Restore prod by hand from the backups in {folder} (import those "
                "files in ThoughtSpot as an administrator).",
            ),
            ProdState.RESTORE_FAILED,
        ) from None
    raise StepFailed(
        Failure(
            "verify",
            f"{text}. Prod was restored from the backup",
            "Prod is as it was before the run. Check why ThoughtSpot dropped the "
            "views (an older cluster keeps at most 100 per liveboard) before "
            "promoting again.",
        ),
        ProdState.RESTORED,
    )


def _name(doc: dict) -> str | None:
    name = tml.body(doc).get("name")
    return str(name) if name else None


_HINTS = {
    AuthenticationError: "Check the host, username and secret key or password (and "
    "Org id) of that environment. A secret key needs trusted authentication "
    "switched on for the cluster or Org.",
    PermissionDenied: "The account lacks a privilege this step needs: it must be able "
    "to download and edit the liveboards' TML.",
    RateLimited: "ThoughtSpot kept answering 429 (too many requests). Run the "
    "promotion again later.",
    ConnectionFailed: "Check the host and that the cluster is reachable from the "
    "runner; for self-signed certificates set 'ca-bundle' or 'verify-tls: false'.",
    ObjectError: "Check that each GUID is a liveboard in that cluster and Org, and "
    "that the account can download its TML.",
}


def _outcome_unknown(exc: ThoughtSpotError) -> bool:
    """Whether a failed import may still have been applied: a 4xx is a refusal,
    but after a 5xx or a lost connection nobody knows."""
    return exc.status is None or exc.status >= 500


def _failure_from(step: str, exc: ThoughtSpotError, boards: list[_Board]) -> Failure:
    hint = next((h for t, h in _HINTS.items() if isinstance(exc, t)), "")
    message = str(exc)
    if step in ("export", "view check") and not isinstance(exc, ObjectError):
        # The server's message may not say which liveboard it choked on.
        if exc.env == "dev":
            named = [b.pair.dev_guid for b in boards if b.pair.dev_guid]
            role = "dev"
        else:
            named = [b.pair.prod_guid for b in boards]
            role = "prod"
        shown = ", ".join(g for g in named[:5] if g)
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        message += f" (for {role} liveboard(s) {shown}{more})"
        if exc.status == 400:
            hint = _HINTS[ObjectError]
    if step == "import" and _outcome_unknown(exc):
        hint = (
            "The import was sent but no clear answer came back: prod may have "
            "changed. Check the prod liveboards; the backup folder holds them as "
            "they were."
        )
    elif step == "import":
        hint = (hint + " Nothing was imported.").strip()
    return Failure(step, message, hint)
