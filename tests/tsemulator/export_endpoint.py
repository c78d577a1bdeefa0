"""`POST /metadata/tml/export`: one item per requested object, in request order."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import tml_document
from .auth_endpoint import Caller
from .error_bodies import INVALID_REQUEST, ApiError
from .state import Liveboard

if TYPE_CHECKING:
    from .emulator import Emulator


def export_tml(emu: Emulator, caller: Caller, body: dict) -> list[dict]:
    requested = body.get("metadata")
    if not isinstance(requested, list) or not requested:
        raise ApiError(400, INVALID_REQUEST, "metadata must list at least one object.")
    edoc_format = body.get("edoc_format") or "JSON"
    if edoc_format not in ("JSON", "YAML"):
        raise ApiError(400, INVALID_REQUEST, f"Unsupported edoc_format {edoc_format}.")
    options = body.get("export_options") or {}
    # Resolve everything first so that a 400 leaves no export_error count spent.
    targets = [_resolve(emu, caller, item) for item in requested]
    return [
        _item(emu, caller, identifier, liveboard, edoc_format, options)
        for identifier, liveboard in targets
    ]


def _resolve(emu: Emulator, caller: Caller, item: Any) -> tuple[str, Liveboard | None]:
    if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
        raise ApiError(400, INVALID_REQUEST, "Each metadata item needs an identifier.")
    identifier = item["identifier"]
    kind = item.get("type")
    org = emu.store.org(caller.org_id)
    liveboard = org.get(identifier)
    if kind not in (None, "LIVEBOARD"):
        if liveboard is not None:
            raise ApiError(
                400,
                INVALID_REQUEST,
                f"Object {identifier} is a LIVEBOARD, not of type {kind}.",
            )
        liveboard = None
    elif liveboard is None and kind == "LIVEBOARD":
        # A name works as identifier only together with a type.
        named = [lb for lb in org.values() if lb.name == identifier]
        liveboard = named[0] if len(named) == 1 else None
    if liveboard is None and emu.unknown_guid_export == "http_400":
        raise ApiError(400, INVALID_REQUEST, f"Object with id {identifier} not found.")
    return identifier, liveboard


def _item(
    emu: Emulator,
    caller: Caller,
    identifier: str,
    liveboard: Liveboard | None,
    edoc_format: str,
    options: dict,
) -> dict:
    if liveboard is None:
        status = {
            "status_code": "ERROR",
            "error_message": f"Object with id {identifier} not found.",
        }
        return {"info": {"id": identifier, "status": status}}
    info: dict[str, Any] = {
        "name": liveboard.name,
        "filename": f"{liveboard.name}.liveboard.tml",
        "id": liveboard.guid,
        "type": "liveboard",
        "status": {"status_code": "OK"},
    }
    edoc_mode = emu.faults.export_edocs.get(liveboard.guid)
    failure = emu.faults.take_item(emu.faults.export_errors, liveboard.guid)
    if failure is not None:
        info["status"] = {"status_code": "ERROR", "error_message": failure.message}
        # A failed item carries no edoc, except where clients have seen "".
        return {"info": info, "edoc": ""} if edoc_mode == "empty" else {"info": info}
    if edoc_mode == "missing":
        return {"info": info}
    if edoc_mode == "empty":
        return {"info": info, "edoc": ""}
    document = _exported_document(emu, caller, liveboard, options)
    if edoc_format == "YAML":
        edoc = tml_document.to_yaml_edoc(document)
    else:
        edoc = tml_document.to_json_edoc(document)
    return {"info": info, "edoc": edoc}


def _exported_document(
    emu: Emulator, caller: Caller, liveboard: Liveboard, options: dict
) -> dict:
    document = copy.deepcopy(liveboard.document)
    if not options.get("include_obj_id"):
        document.pop("obj_id", None)
    if options.get("include_guid") is False:
        document.pop("guid", None)
    body = tml_document.body(document)
    if emu.hide_other_users_private_views and isinstance(body.get("views"), list):
        body["views"] = [
            view
            for view in body["views"]
            if view.get("is_public") is True
            or emu.store.view_author(liveboard, view) == caller.user.username
        ]
        if not body["views"]:
            del body["views"]  # a liveboard without views exports no views key
    return document
