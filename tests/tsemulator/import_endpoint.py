"""`POST /metadata/tml/import`: one result per TML, in input order.

Writes are staged and committed at the end so that ALL_OR_NONE and VALIDATE_ONLY
can leave the store untouched.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import tml_document
from .auth_endpoint import Caller
from .error_bodies import INVALID_REQUEST, ApiError
from .state import Liveboard, now_ms
from .tml_document import TmlError
from .view_import import ViewError, check_views, views_after_import

if TYPE_CHECKING:
    from .emulator import Emulator

POLICIES = ("PARTIAL", "ALL_OR_NONE", "VALIDATE_ONLY", "PARTIAL_OBJECT")

# Error codes for TML problems; only 14502 comes from a documented example.
CODE_UNPARSEABLE = 14500
CODE_NOT_A_LIVEBOARD = 14501
CODE_SCRIPTED = 14502
CODE_ABORTED = 14503
CODE_BAD_VIEWS = 14504


@dataclass
class _Outcome:
    status: str  # OK, WARNING or ERROR
    message: str | None = None
    code: int | None = None
    liveboard: Liveboard | None = None


def import_tml(emu: Emulator, caller: Caller, body: dict) -> list[dict]:
    tmls = body.get("metadata_tmls")
    if not isinstance(tmls, list) or not tmls:
        raise ApiError(400, INVALID_REQUEST, "metadata_tmls must list TML documents.")
    policy = body.get("import_policy") or "PARTIAL"
    if policy not in POLICIES:
        raise ApiError(400, INVALID_REQUEST, f"Unknown import_policy {policy}.")
    options = _Options(
        create_new=bool(body.get("create_new")),
        upsert=bool(body.get("enable_personalized_view_upsert"))
        and emu.personalized_view_upsert_enabled,
    )
    staged: dict[str, Liveboard] = {}
    outcomes = [_import_one(emu, caller, text, options, staged) for text in tmls]
    failed = any(o.status == "ERROR" for o in outcomes)
    if policy == "ALL_OR_NONE" and failed:
        outcomes = [_aborted(o) for o in outcomes]
    elif policy != "VALIDATE_ONLY":
        _commit(emu, caller, staged)
    return [
        {"response": _response(emu, o), "request_index": index}
        for index, o in enumerate(outcomes)
    ]


@dataclass
class _Options:
    create_new: bool
    upsert: bool


def _import_one(
    emu: Emulator,
    caller: Caller,
    text: Any,
    options: _Options,
    staged: dict[str, Liveboard],
) -> _Outcome:
    if not isinstance(text, str):
        return _Outcome("ERROR", "TML must be a string.", CODE_UNPARSEABLE)
    try:
        document = tml_document.parse_tml(text)
    except TmlError as exc:
        return _Outcome("ERROR", str(exc), CODE_UNPARSEABLE)
    key = tml_document.body_key(document)
    if key is None:
        return _Outcome(
            "ERROR",
            "TML has no liveboard or pinboard object to import.",
            CODE_NOT_A_LIVEBOARD,
        )
    existing = _target(emu, caller, document, options, staged)
    guid = existing.guid if existing else _new_guid(document, options)
    scripted = _scripted_error(emu, guid, document)
    if scripted is not None:
        return scripted
    try:
        liveboard = _merged(emu, caller, document, key, guid, existing, options)
    except ViewError as exc:
        return _Outcome("ERROR", str(exc), CODE_BAD_VIEWS)
    staged[guid] = liveboard
    warning = emu.faults.import_warnings.get(guid)
    if warning is not None:
        return _Outcome("WARNING", warning, None, liveboard)
    return _Outcome("OK", None, None, liveboard)


def _target(
    emu: Emulator,
    caller: Caller,
    document: dict,
    options: _Options,
    staged: dict[str, Liveboard],
) -> Liveboard | None:
    """The liveboard this TML updates: obj_id first, then guid, never the name."""
    if options.create_new:
        return None
    candidates = {**emu.store.org(caller.org_id), **staged}
    obj_id = document.get("obj_id")
    if isinstance(obj_id, str) and obj_id:
        for liveboard in candidates.values():
            if liveboard.obj_id == obj_id:
                return liveboard
    guid = document.get("guid")
    if isinstance(guid, str):
        return candidates.get(guid)
    return None


def _new_guid(document: dict, options: _Options) -> str:
    guid = document.get("guid")
    if not options.create_new and isinstance(guid, str) and guid:
        return guid  # an unknown GUID is created as given
    return str(uuid.uuid4())


def _scripted_error(emu: Emulator, guid: str, document: dict) -> _Outcome | None:
    for candidate in (guid, document.get("guid")):
        if not isinstance(candidate, str):
            continue
        fault = emu.faults.take_item(emu.faults.import_errors, candidate)
        if fault is not None:
            return _Outcome("ERROR", fault.message, fault.code)
    return None


def _merged(
    emu: Emulator,
    caller: Caller,
    document: dict,
    key: str,
    guid: str,
    existing: Liveboard | None,
    options: _Options,
) -> Liveboard:
    stored = copy.deepcopy(document)
    stored["guid"] = guid
    if existing is not None and existing.obj_id and not stored.get("obj_id"):
        stored["obj_id"] = existing.obj_id  # obj_id belongs to the object, not the TML
    if options.create_new:
        stored.pop("obj_id", None)  # a duplicate cannot share the original's obj_id
    body = stored[key]
    incoming = check_views(body.get("views"))
    previous = tml_document.views(existing.document) if existing else []
    outcome = views_after_import(
        previous, incoming, admin=caller.user.admin, upsert=options.upsert
    )
    if outcome.views or "views" in body:
        body["views"] = outcome.views
    if emu.view_limit is not None and "views" in body:
        body["views"] = body["views"][: emu.view_limit]
    # A view the TML names no author for stays with its owner if it already
    # existed on the liveboard; a new one belongs to the importer.
    owners: dict[str, str] = {}
    view_owners: dict[str, str] = {}
    if existing is not None:
        view_owners = dict(existing.view_owners)
        for view in previous:
            owners[str(view.get("view_guid"))] = emu.store.view_author(existing, view)
    for view in outcome.views:
        guid_of_view = view["view_guid"]
        if guid_of_view in outcome.imported_guids and not _has_author(view):
            view_owners[guid_of_view] = owners.get(guid_of_view, caller.user.username)
    return Liveboard(
        guid=guid,
        org_id=caller.org_id,
        document=stored,
        owner=existing.owner if existing else caller.user.username,
        view_owners=view_owners,
        created_ms=existing.created_ms if existing else now_ms(),
    )


def _has_author(view: dict) -> bool:
    author = view.get("author")
    return isinstance(author, dict) and bool(author.get("username"))


def _commit(emu: Emulator, caller: Caller, staged: dict[str, Liveboard]) -> None:
    org = emu.store.org(caller.org_id)
    for guid, liveboard in staged.items():
        if emu.faults.views_lost_on_import > 0:
            # Scripted server bug: the import says OK but the views are gone.
            emu.faults.views_lost_on_import -= 1
            tml_document.body(liveboard.document).pop("views", None)
        liveboard.modified_ms = now_ms()
        org[guid] = liveboard


def _aborted(outcome: _Outcome) -> _Outcome:
    if outcome.status == "ERROR":
        return outcome
    return _Outcome(
        "ERROR",
        "Not imported: another object in this ALL_OR_NONE import failed.",
        CODE_ABORTED,
    )


def _response(emu: Emulator, outcome: _Outcome) -> dict:
    status: dict[str, Any] = {"status_code": outcome.status}
    if outcome.message is not None:
        status["error_message"] = outcome.message
    if outcome.code is not None:
        status["error_code"] = outcome.code
    response: dict[str, Any] = {"status": status}
    if outcome.status != "ERROR" and outcome.liveboard is not None:
        owner_guid = emu.store.user_guid(emu.store.owner_of(outcome.liveboard))
        response["header"] = {
            "id_guid": outcome.liveboard.guid,
            "name": outcome.liveboard.name,
            "metadata_type": "PINBOARD_ANSWER_BOOK",
            "type": "pinboard",
            "owner_guid": owner_guid,
            "author_guid": owner_guid,
        }
        response["diff"] = {}
    return response
