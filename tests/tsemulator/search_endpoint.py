"""`POST /metadata/search`, for liveboards only (the one type the emulator holds)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import tml_document
from .auth_endpoint import Caller
from .error_bodies import INVALID_REQUEST, ApiError
from .state import Liveboard

if TYPE_CHECKING:
    from .emulator import Emulator


def search_metadata(emu: Emulator, caller: Caller, body: dict) -> list[dict]:
    if "include_personalised_views" in body and (
        emu.personalised_views_support == "http_400"
    ):
        # What a release before 26.5.0.cl does with a field it does not know.
        raise ApiError(
            400, INVALID_REQUEST, "Unrecognized field include_personalised_views."
        )
    org = emu.store.org(caller.org_id)
    found = _matches(org, body.get("metadata") or [])
    offset = body.get("record_offset") or 0
    size = body.get("record_size", 10)
    page = found[offset:] if size in (None, -1) else found[offset : offset + size]
    return [_item(emu, liveboard, body) for liveboard in page]


def _matches(org: dict[str, Liveboard], requested: list[Any]) -> list[Liveboard]:
    if not requested:
        return list(org.values())
    found: dict[str, Liveboard] = {}
    for item in requested:
        if not isinstance(item, dict):
            raise ApiError(400, INVALID_REQUEST, "metadata items must be objects.")
        for liveboard in _match_one(org, item):
            found.setdefault(liveboard.guid, liveboard)
    return list(found.values())


def _match_one(org: dict[str, Liveboard], item: dict) -> list[Liveboard]:
    kind = item.get("type")
    identifier = item.get("identifier")
    if kind not in (None, "LIVEBOARD"):
        return []  # typed lookups of other kinds find nothing here
    candidates = list(org.values())
    if identifier is not None:
        candidates = [lb for lb in candidates if identifier in (lb.guid, lb.name)]
        if not candidates and kind is None:
            # Untyped lookups of unknown objects fail outright; typed ones do not.
            raise ApiError(
                400, INVALID_REQUEST, f"Object with identifier {identifier} not found."
            )
    if item.get("obj_identifier") is not None:
        candidates = [lb for lb in candidates if lb.obj_id == item["obj_identifier"]]
    if item.get("name_pattern") is not None:
        pattern = _like(str(item["name_pattern"]))
        candidates = [lb for lb in candidates if pattern.fullmatch(lb.name)]
    return candidates


def _like(pattern: str) -> re.Pattern[str]:
    """ThoughtSpot name patterns: case-insensitive, `%` matches anything."""
    parts = [re.escape(part) for part in pattern.split("%")]
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def _item(emu: Emulator, liveboard: Liveboard, body: dict) -> dict:
    owner = emu.store.owner_of(liveboard)
    description = tml_document.body(liveboard.document).get("description", "")
    header = {
        "id": liveboard.guid,
        "name": liveboard.name,
        "description": description,
        "author": emu.store.user_guid(owner),
        "authorName": owner,
        "authorDisplayName": owner,
        "owner": emu.store.user_guid(owner),
        "created": liveboard.created_ms,
        "modified": liveboard.modified_ms,
        "type": "PINBOARD_ANSWER_BOOK",
        "tags": [],
    }
    item: dict[str, Any] = {
        "metadata_id": liveboard.guid,
        "metadata_name": liveboard.name,
        "metadata_type": "LIVEBOARD",
        "metadata_obj_id": liveboard.obj_id,
        "metadata_header": header if body.get("include_headers", True) else None,
    }
    if body.get("include_details"):
        detail: dict[str, Any] = {
            "id": liveboard.guid,
            "name": liveboard.name,
            "header": header,
        }
        if body.get("include_personalised_views") and (
            emu.personalised_views_support == "supported"
        ):
            detail["personalised_views"] = _personalised_views(emu, liveboard)
        item["metadata_detail"] = detail
    return item


def _personalised_views(emu: Emulator, liveboard: Liveboard) -> list[dict]:
    """Every stored view, other users' private ones included."""
    listed = []
    for view in tml_document.views(liveboard.document):
        author = emu.store.view_author(liveboard, view)
        listed.append(
            {
                "view_guid": view.get("view_guid"),
                "view_name": view.get("name"),
                "author_guid": emu.store.user_guid(author),
                "author_name": author,
                "is_public": view.get("is_public") is True,
            }
        )
    return listed
