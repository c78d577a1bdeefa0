"""What happens to a liveboard's stored views when TML is imported over it.

This is the behaviour the product exists to work around: an administrator's
import replaces the views wholesale, so every user view missing from the TML is
lost. The rules are kept pure here so the tests can state them plainly.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass


class ViewError(ValueError):
    """The imported `views` cannot be stored as given."""


@dataclass
class ViewOutcome:
    views: list[dict]
    # GUIDs of the views that came from the imported TML (as opposed to kept ones).
    imported_guids: set[str]


def views_after_import(
    stored: list[dict], incoming: list[dict], *, admin: bool, upsert: bool
) -> ViewOutcome:
    _reject_duplicates(incoming, "view_guid")
    if upsert:
        _reject_duplicates(incoming, "obj_id")
        return _upsert(stored, incoming)
    fresh = _with_guids([copy.deepcopy(v) for v in incoming], used=set())
    guids = {v["view_guid"] for v in fresh}
    if admin:
        # Administrator import: the TML's views are the whole truth.
        return ViewOutcome(fresh, guids)
    kept = [copy.deepcopy(v) for v in stored if v.get("view_guid") not in guids]
    return ViewOutcome(fresh + kept, guids)


def _upsert(stored: list[dict], incoming: list[dict]) -> ViewOutcome:
    """Match on obj_id only: update matches, add the rest, keep unmatched stored."""
    by_obj_id = {v["obj_id"]: i for i, v in enumerate(stored) if v.get("obj_id")}
    result = [copy.deepcopy(v) for v in stored]
    imported: set[str] = set()
    additions = []
    for view in incoming:
        index = by_obj_id.get(view.get("obj_id")) if view.get("obj_id") else None
        if index is None:
            additions.append(copy.deepcopy(view))
            continue
        updated = copy.deepcopy(view)
        # The stored view keeps its identity; the TML only changes its content.
        updated["view_guid"] = result[index].get("view_guid") or str(uuid.uuid4())
        result[index] = updated
        imported.add(updated["view_guid"])
    used = {str(v.get("view_guid")) for v in result if v.get("view_guid")}
    additions = _with_guids(additions, used)
    imported.update(v["view_guid"] for v in additions)
    return ViewOutcome(result + additions, imported)


def _with_guids(views: list[dict], used: set[str]) -> list[dict]:
    """Give a new GUID to views that lack one or whose GUID is already taken."""
    for view in views:
        guid = view.get("view_guid")
        if not isinstance(guid, str) or not guid or guid in used:
            view["view_guid"] = str(uuid.uuid4())
        used.add(view["view_guid"])
    return views


def _reject_duplicates(views: list[dict], key: str) -> None:
    seen: set[str] = set()
    for view in views:
        value = view.get(key)
        if value in (None, ""):
            continue
        if value in seen:
            raise ViewError(f"Duplicate {key} {value} in liveboard views")
        seen.add(value)


def check_views(value: object) -> list[dict]:
    """The imported `views` as a list of dicts; None (or no key) means none."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ViewError("Liveboard views must be a list of view objects")
    return value
