"""The rules for carrying prod's personalized views into dev's liveboard.

Pure: documents and a policy in, a new document and one outcome per view out.
Nothing here reads files, talks HTTP or logs; the caller reports.

Why each target-identity rule exists (see ThoughtSpot's import semantics): the
import picks the object to update by ``obj_id`` first, then by ``guid``, never
by name. So the merged document carries prod's ``guid``, prod's ``obj_id`` when
prod has one, and never dev's ``obj_id`` (which would make the import update
the dev liveboard's twin instead of prod's).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sync import tml

DevViews = Literal["drop", "keep"]
StaleFilters = Literal["prune", "keep", "fail"]


@dataclass(frozen=True)
class Policy:
    dev_views: DevViews = "drop"
    stale_filters: StaleFilters = "prune"
    keep_prod_name: bool = True


@dataclass
class ViewOutcome:
    """What the merge did with one view."""

    name: str
    view_guid: str | None
    obj_id: str | None
    source: Literal["prod", "dev"]
    # carried: a prod view in the result; kept: a dev-only view appended;
    # dropped: a dev-only view left out.
    result: Literal["carried", "kept", "dropped"]
    is_public: bool | None
    author: str | None
    filter_count: int
    reason: str = ""
    # Stale references found in this view: "filter <column>" or "parameter <name>".
    stale: list[str] = field(default_factory=list)
    # The subset of `stale` removed from the view (policy prune).
    pruned: list[str] = field(default_factory=list)
    # A dev view with the same identity that prod's copy replaced.
    replaced_dev_copy: bool = False


class ViewTally:
    """Counts over a list of view outcomes (`self.views`)."""

    views: list[ViewOutcome]

    @property
    def carried(self) -> list[ViewOutcome]:
        return [v for v in self.views if v.result == "carried"]

    @property
    def dropped(self) -> list[ViewOutcome]:
        return [v for v in self.views if v.result == "dropped"]

    @property
    def kept(self) -> list[ViewOutcome]:
        return [v for v in self.views if v.result == "kept"]

    @property
    def stale_views(self) -> list[ViewOutcome]:
        return [v for v in self.views if v.stale]

    @property
    def filters_pruned(self) -> int:
        return sum(len(v.pruned) for v in self.views)


@dataclass
class MergeResult(ViewTally):
    document: dict[str, Any]
    views: list[ViewOutcome]


def merge(
    dev: dict[str, Any],
    prod: dict[str, Any],
    policy: Policy,
    target_guid: str | None = None,
) -> MergeResult:
    """Dev's liveboard, re-pointed at prod, carrying every prod view.

    `target_guid` is the prod liveboard's GUID as the user gave it; it wins
    over the exported document's, which may lack one (``include_guid``).

    The inputs are never changed. The result is a new top level and body with
    new view lists, but it shares every other value (visualizations, a carried
    view left as it was) with the inputs: copying a 5 MB liveboard would cost
    more than parsing it. Treat the result as read-only, or copy it first.
    """
    key = tml.body_key(dev)
    result = dict(dev)
    dev_body = result[key] = dict(dev[key])
    prod_body = tml.body(prod)

    _retarget(result, prod, target_guid)
    if policy.keep_prod_name and "name" in prod_body:
        dev_body["name"] = prod_body["name"]

    prod_views = tml.views(prod)
    dev_views = tml.views(dev)
    stale_finder = _StaleFinder(prod_body, dev_body)
    index = _ViewIndex(prod_views)

    merged: list[dict[str, Any]] = []
    outcomes: list[ViewOutcome] = []
    for view in prod_views:
        carried = view
        stale, kept_filters, kept_params = stale_finder.examine(view)
        pruned: list[str] = []
        changed = kept_filters is not None or kept_params is not None
        if policy.stale_filters == "prune" and changed:
            carried = dict(view)  # new lists in a new dict: prod's stays as it was
            if kept_filters is not None:
                carried["view_filters"] = kept_filters
            if kept_params is not None:
                carried["view_parameters"] = kept_params
            pruned = stale
        merged.append(carried)
        outcomes.append(
            _outcome(carried, "prod", "carried", stale=stale, pruned=pruned)
        )

    taken_guids = {v.get("view_guid") for v in prod_views if v.get("view_guid")}
    for view in dev_views:
        twin = index.match(view)
        if twin is not None:
            outcomes[twin].replaced_dev_copy = True
        elif (
            policy.dev_views == "keep"
            and view.get("view_guid")
            and (view["view_guid"] in taken_guids)
        ):
            # Same view_guid, another obj_id: ThoughtSpot refuses a TML holding
            # one view_guid twice, and prod's view must win.
            outcomes.append(
                _outcome(
                    view,
                    "dev",
                    "dropped",
                    reason="its view_guid belongs to a prod view",
                )
            )
        elif policy.dev_views == "keep":
            if view.get("view_guid"):
                taken_guids.add(view["view_guid"])
            merged.append(view)
            outcomes.append(_outcome(view, "dev", "kept", reason="exists only in dev"))
        else:
            outcomes.append(
                _outcome(
                    view,
                    "dev",
                    "dropped",
                    reason="exists only in dev (dev-views: drop)",
                )
            )

    if merged or "views" in dev_body:
        dev_body["views"] = merged
    return MergeResult(result, outcomes)


def same_view(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """View identity: obj_id if both have one, else view_guid, else name."""
    if a.get("obj_id") and b.get("obj_id"):
        return a["obj_id"] == b["obj_id"]
    if a.get("view_guid") and b.get("view_guid"):
        return a["view_guid"] == b["view_guid"]
    return a.get("name") == b.get("name")


def missing_views(
    expected: Iterable[dict[str, Any]], present: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The views of `expected` that `present` does not hold, by identity."""
    index = _ViewIndex(present)
    return [view for view in expected if index.match(view) is None]


def _retarget(
    result: dict[str, Any], prod: dict[str, Any], target_guid: str | None
) -> None:
    guid = target_guid or prod.get("guid")
    if not guid:
        # Without a GUID the import would update whatever dev's points at.
        raise tml.TmlError("prod's TML has no guid to import over")
    result["guid"] = guid
    if prod.get("obj_id"):
        result["obj_id"] = prod["obj_id"]
    else:
        result.pop("obj_id", None)


class _ViewIndex:
    """Finds the view that `same_view` would pick, without a quadratic scan."""

    def __init__(self, views: list[dict[str, Any]]) -> None:
        self._by_obj_id: dict[str, int] = {}
        self._by_guid: dict[str, list[int]] = {}
        self._by_name: dict[Any, list[int]] = {}
        for i, view in enumerate(views):
            if view.get("obj_id"):
                self._by_obj_id.setdefault(view["obj_id"], i)
            if view.get("view_guid"):
                self._by_guid.setdefault(view["view_guid"], []).append(i)
            self._by_name.setdefault(view.get("name"), []).append(i)
        self._views = views

    def match(self, view: dict[str, Any]) -> int | None:
        if view.get("obj_id") and view["obj_id"] in self._by_obj_id:
            return self._by_obj_id[view["obj_id"]]
        candidates = self._by_guid.get(view.get("view_guid") or "", [])
        candidates = candidates + self._by_name.get(view.get("name"), [])
        for i in candidates:
            if same_view(view, self._views[i]):
                return i
        return None


def _bare(column: str) -> str:
    return column.rsplit("::", 1)[-1]


class _ColumnSet:
    """Filter columns, matched both as written and bare (``Model::Column``)."""

    def __init__(self, columns: Iterable[str]) -> None:
        self._exact = set(columns)
        self._bare = {_bare(c) for c in self._exact}

    def __contains__(self, column: object) -> bool:
        return isinstance(column, str) and (
            column in self._exact or _bare(column) in self._bare
        )


class _StaleFinder:
    """A view reference is stale when prod's liveboard had it and dev's has not."""

    def __init__(self, prod_body: dict[str, Any], dev_body: dict[str, Any]) -> None:
        self._prod_columns = _ColumnSet(_filter_columns(prod_body))
        self._dev_columns = _ColumnSet(_filter_columns(dev_body))
        self._prod_params = set(_parameter_keys(prod_body))
        self._dev_params = set(_parameter_keys(dev_body))

    def _stale_column(self, view_filter: Any) -> str | None:
        if not isinstance(view_filter, dict):
            return None
        for column in _columns_of(view_filter):
            if column in self._prod_columns and column not in self._dev_columns:
                return column
        return None

    def _stale_parameter(self, parameter: Any) -> bool:
        if not isinstance(parameter, dict):
            return False
        pid = parameter.get("id")
        return pid in self._prod_params and pid not in self._dev_params

    def examine(
        self, view: dict[str, Any]
    ) -> tuple[list[str], list[Any] | None, list[Any] | None]:
        """One pass over a view: its stale references ("filter <column>",
        "parameter <name>"), and the filter and parameter lists without them,
        each None when nothing would go.

        Placeholders on a removed column go too, but are not counted as stale:
        they filter nothing, and ThoughtSpot would only drop them itself.
        """
        stale: list[str] = []
        filters = _list(view.get("view_filters"))
        kept_filters: list[Any] = []
        for view_filter in filters:
            column = self._stale_column(view_filter)
            if column is None:
                kept_filters.append(view_filter)
            elif not _is_placeholder(view_filter):
                stale.append(f"filter {column}")
        params = _list(view.get("view_parameters"))
        kept_params: list[Any] = []
        for parameter in params:
            if self._stale_parameter(parameter):
                stale.append(
                    f"parameter {parameter.get('name') or parameter.get('id')}"
                )
            else:
                kept_params.append(parameter)
        return (
            stale,
            kept_filters if len(kept_filters) < len(filters) else None,
            kept_params if len(kept_params) < len(params) else None,
        )


def _is_placeholder(view_filter: dict[str, Any]) -> bool:
    # Exports repeat every liveboard filter in each view; one the view does
    # not set has no values and no date filter (e.g. a bare `oper: =`).
    return not view_filter.get("values") and not view_filter.get("date_filter")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _columns_of(view_filter: dict[str, Any]) -> list[str]:
    column = view_filter.get("column")
    if isinstance(column, str):
        return [column]
    return [c for c in _list(column) if isinstance(c, str)]


def _scopes(liveboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The liveboard itself, each tab and each group: all may own filters."""
    yield liveboard
    layout = liveboard.get("layout")
    if isinstance(layout, dict):
        yield from (t for t in _list(layout.get("tabs")) if isinstance(t, dict))
    yield from (g for g in _list(liveboard.get("groups")) if isinstance(g, dict))


def _filter_columns(liveboard: dict[str, Any]) -> Iterator[str]:
    for scope in _scopes(liveboard):
        for f in _list(scope.get("filters")):
            if isinstance(f, dict):
                yield from _columns_of(f)


def _parameter_keys(liveboard: dict[str, Any]) -> Iterator[str]:
    # Exported as a list of {key, value} although the schema calls it a map;
    # accept both.
    for scope in _scopes(liveboard):
        overrides = scope.get("parameter_overrides")
        if isinstance(overrides, dict):
            yield from (k for k in overrides if isinstance(k, str))
        for item in _list(overrides):
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                yield item["key"]


def _author(view: dict[str, Any]) -> str | None:
    author = view.get("author")
    if isinstance(author, dict):
        return author.get("username") or author.get("user_email") or None
    return author if isinstance(author, str) and author else None


def _outcome(
    view: dict[str, Any],
    source: Literal["prod", "dev"],
    result: Literal["carried", "kept", "dropped"],
    *,
    reason: str = "",
    stale: list[str] | None = None,
    pruned: list[str] | None = None,
) -> ViewOutcome:
    public = view.get("is_public")
    return ViewOutcome(
        name=str(view.get("name") or "(unnamed view)"),
        view_guid=view.get("view_guid") or None,
        obj_id=view.get("obj_id") or None,
        source=source,
        result=result,
        is_public=public if isinstance(public, bool) else None,
        author=_author(view),
        filter_count=len(_list(view.get("view_filters"))),
        reason=reason,
        stale=stale or [],
        pruned=pruned or [],
    )
