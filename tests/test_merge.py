"""The merge rules, on real ThoughtSpot exports and on small fixtures."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sync import tml
from sync.merge import Policy, merge, missing_views, same_view

SHARED_TML = Path(__file__).resolve().parents[2] / "shared" / "tml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_EXPORTS = sorted(SHARED_TML.glob("*.tml")) if SHARED_TML.is_dir() else []
DEV_GUID = "aaaaaaaa-0000-4000-8000-000000000001"
PROD_GUID = "bbbbbbbb-0000-4000-8000-000000000002"


def _edited_copy(prod: dict[str, Any]) -> dict[str, Any]:
    """What a developer's dev liveboard looks like next to prod's: another
    GUID and name, a new visualization, no views, a key from a newer release."""
    dev = copy.deepcopy(prod)
    dev["guid"] = DEV_GUID
    body = dev[tml.body_key(dev)]
    body["name"] = "Edited in dev"
    body.pop("views", None)
    body.setdefault("visualizations", []).append(
        {"id": "Viz_new", "answer": {"name": "Added in dev"}}
    )
    body["key_from_a_newer_release"] = {"kept": ["as", "is"]}
    dev["top_level_unknown"] = 42
    return dev


@pytest.mark.skipif(not REAL_EXPORTS, reason="../shared/tml is not beside the checkout")
@pytest.mark.parametrize("path", REAL_EXPORTS, ids=lambda p: p.name)
def test_real_export_keeps_every_prod_view_and_every_dev_key(path: Path) -> None:
    prod = tml.loads(path.read_text(encoding="utf-8"))
    dev = _edited_copy(prod)
    dev_before = copy.deepcopy(dev)

    result = merge(dev, prod, Policy())

    doc = result.document
    assert doc["guid"] == prod["guid"]
    assert tml.views(doc) == tml.views(prod)  # carried unchanged, in order
    assert [v.result for v in result.views] == ["carried"] * len(tml.views(prod))
    body = doc[tml.body_key(doc)]
    assert body["name"] == tml.body(prod)["name"]
    assert body["key_from_a_newer_release"] == {"kept": ["as", "is"]}
    assert doc["top_level_unknown"] == 42
    assert body["visualizations"] == dev_before[tml.body_key(dev)]["visualizations"]
    assert dev == dev_before, "the merge must not change its input"
    again = merge(doc, prod, Policy())
    assert again.document == doc, "merging twice must equal merging once"


@pytest.mark.skipif(not REAL_EXPORTS, reason="../shared/tml is not beside the checkout")
def test_real_view_with_date_filters_and_parameters_carried_intact() -> None:
    prod = tml.loads((SHARED_TML / "app-adoption.liveboard.tml").read_text())
    (view,) = tml.views(prod)
    assert view["view_filters"][0]["date_filter"]["oper"] == "="  # bare `oper: =`
    result = merge(_edited_copy(prod), prod, Policy())
    assert tml.views(result.document) == [view]
    assert result.views[0].is_public is False
    assert result.views[0].filter_count == 8


def board(
    *,
    guid: str = PROD_GUID,
    name: str = "Board",
    filters: list[str] | None = None,
    params: list[str] | None = None,
    views: list[dict[str, Any]] | None = None,
    key: str = "liveboard",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "visualizations": [{"id": "Viz_1"}]}
    if filters is not None:
        body["filters"] = [{"column": [c]} for c in filters]
    if params is not None:
        body["parameter_overrides"] = [{"key": p, "value": {"name": p}} for p in params]
    if views is not None:
        body["views"] = views
    return {"guid": guid, key: body, **extra}


def view(name: str, *columns: str, **extra: Any) -> dict[str, Any]:
    """A view that sets a value on each of `columns`."""
    filters = [{"column": [c], "oper": "in", "values": ["x"]} for c in columns]
    return {"name": name, "view_filters": filters, **extra}


def test_target_is_prod_guid_and_prod_obj_id() -> None:
    dev = board(guid=DEV_GUID, obj_id="dev-board")
    prod = board(obj_id="prod-board")
    doc = merge(dev, prod, Policy()).document
    assert (doc["guid"], doc["obj_id"]) == (PROD_GUID, "prod-board")


def test_dev_obj_id_removed_when_prod_has_none() -> None:
    # An obj_id wins over guid on import: dev's would update the dev liveboard.
    doc = merge(board(guid=DEV_GUID, obj_id="dev-board"), board(), Policy()).document
    assert "obj_id" not in doc
    assert doc["guid"] == PROD_GUID


@pytest.mark.parametrize("keep", [True, False])
def test_keep_prod_name(keep: bool) -> None:
    dev, prod = board(guid=DEV_GUID, name="Dev name"), board(name="Prod name")
    doc = merge(dev, prod, Policy(keep_prod_name=keep)).document
    assert doc["liveboard"]["name"] == ("Prod name" if keep else "Dev name")


def test_older_pinboard_key_on_either_side() -> None:
    dev = board(guid=DEV_GUID, key="pinboard")
    prod = board(views=[view("A")], key="pinboard")
    doc = merge(dev, prod, Policy()).document
    assert "liveboard" not in doc
    assert [v["name"] for v in doc["pinboard"]["views"]] == ["A"]


def test_prod_without_views_key() -> None:
    result = merge(board(guid=DEV_GUID), board(), Policy())
    assert "views" not in result.document["liveboard"]
    assert result.views == []


def test_prod_views_carried_in_prod_order_dev_copy_replaced() -> None:
    prod_views = [
        view("B", view_guid="g-b"),
        view("A", view_guid="g-a", is_public=True),
    ]
    dev_views = [view("A (renamed in dev)", view_guid="g-a", is_public=False)]
    result = merge(
        board(guid=DEV_GUID, views=dev_views), board(views=prod_views), Policy()
    )
    assert tml.views(result.document) == prod_views
    assert [v.result for v in result.views] == ["carried", "carried"]
    assert result.views[1].replaced_dev_copy


@pytest.mark.parametrize(
    ("prod_view", "dev_view", "same"),
    [
        ({"name": "A", "obj_id": "o1", "view_guid": "g1"}, {"name": "B", "obj_id": "o1", "view_guid": "g2"}, True),
        ({"name": "A", "obj_id": "o1", "view_guid": "g1"}, {"name": "A", "obj_id": "o2", "view_guid": "g1"}, False),
        ({"name": "A", "obj_id": "o1", "view_guid": "g1"}, {"name": "B", "view_guid": "g1"}, True),
        ({"name": "A", "view_guid": "g1"}, {"name": "A", "view_guid": "g2"}, False),
        ({"name": "A", "view_guid": "g1"}, {"name": "A"}, True),
        ({"name": "A"}, {"name": "B"}, False),
    ],
)  # fmt: skip
def test_view_identity(prod_view: dict, dev_view: dict, same: bool) -> None:
    assert same_view(prod_view, dev_view) is same
    result = merge(
        board(guid=DEV_GUID, views=[dev_view]),
        board(views=[prod_view]),
        Policy(dev_views="keep"),
    )
    # A dev view is never sent beside a prod view holding the same view_guid.
    collide = bool(dev_view.get("view_guid")) and dev_view.get(
        "view_guid"
    ) == prod_view.get("view_guid")
    assert len(tml.views(result.document)) == (1 if same or collide else 2)


def test_dev_view_with_a_prod_view_guid_is_not_kept_twice() -> None:
    prod_view = {"name": "A", "obj_id": "o1", "view_guid": "g1"}
    dev_view = {"name": "B", "obj_id": "o2", "view_guid": "g1"}
    result = merge(
        board(guid=DEV_GUID, views=[dev_view]),
        board(views=[prod_view]),
        Policy(dev_views="keep"),
    )
    assert tml.views(result.document) == [prod_view]
    assert result.views[1].result == "dropped"
    assert "view_guid" in result.views[1].reason


def test_target_guid_given_wins_and_a_missing_one_is_refused() -> None:
    prod = board()
    del prod["guid"]
    doc = merge(board(guid=DEV_GUID), prod, Policy(), target_guid=PROD_GUID).document
    assert doc["guid"] == PROD_GUID
    with pytest.raises(tml.TmlError, match="no guid"):
        merge(board(guid=DEV_GUID), prod, Policy())


@pytest.mark.parametrize(
    ("policy", "expected"), [("drop", ["P"]), ("keep", ["P", "D"])]
)
def test_dev_only_views(policy: str, expected: list[str]) -> None:
    result = merge(
        board(guid=DEV_GUID, views=[view("D", view_guid="g-d")]),
        board(views=[view("P", view_guid="g-p")]),
        Policy(dev_views=policy),  # type: ignore[arg-type]
    )
    assert [v["name"] for v in tml.views(result.document)] == expected
    outcome = result.views[1]
    assert (outcome.name, outcome.source) == ("D", "dev")
    assert outcome.result == ("dropped" if policy == "drop" else "kept")


def _stale_case(policy: str) -> tuple[dict, Any]:
    prod = board(
        filters=["Region", "Channel"],
        views=[view("Mine", "Region", "Channel"), view("Other", "Region")],
    )
    dev = board(guid=DEV_GUID, filters=["Region"])
    return prod, merge(dev, prod, Policy(stale_filters=policy))  # type: ignore[arg-type]


def test_stale_filter_pruned() -> None:
    _, result = _stale_case("prune")
    views = tml.views(result.document)
    assert [f["column"] for f in views[0]["view_filters"]] == [["Region"]]
    assert result.views[0].pruned == ["filter Channel"]
    assert result.views[1].pruned == []
    assert result.filters_pruned == 1
    assert len(views) == 2, "a pruned filter keeps its view"


def test_stale_filter_kept() -> None:
    prod, result = _stale_case("keep")
    assert tml.views(result.document) == tml.views(prod)
    assert result.views[0].stale == ["filter Channel"]
    assert result.filters_pruned == 0


def test_stale_filter_fail_reports_without_pruning() -> None:
    prod, result = _stale_case("fail")
    assert [v.name for v in result.stale_views] == ["Mine"]
    assert tml.views(result.document) == tml.views(prod)


def test_unset_placeholder_on_removed_filter_is_dropped_quietly() -> None:
    placeholder = {"column": ["Channel"], "oper": "="}
    prod = board(filters=["Region", "Channel"], views=[view("V", "Region")])
    prod["liveboard"]["views"][0]["view_filters"].append(placeholder)
    result = merge(board(guid=DEV_GUID, filters=["Region"]), prod, Policy())
    assert tml.views(result.document)[0]["view_filters"] == [
        {"column": ["Region"], "oper": "in", "values": ["x"]}
    ]
    assert result.views[0].stale == [] and result.filters_pruned == 0


def test_qualified_and_bare_columns_compare_equal() -> None:
    prod = board(
        filters=["Sales::Region", "Sales::Channel"],
        views=[view("V", "Region", "Channel")],
    )
    dev = board(guid=DEV_GUID, filters=["Region"])
    result = merge(dev, prod, Policy())
    assert result.views[0].pruned == ["filter Channel"]
    assert [f["column"] for f in tml.views(result.document)[0]["view_filters"]] == [
        ["Region"]
    ]


def test_filters_on_tabs_and_groups_count() -> None:
    prod = board(views=[view("V", "TabCol", "GroupCol")])
    prod["liveboard"]["layout"] = {
        "tabs": [{"name": "T", "filters": [{"column": ["TabCol"]}]}]
    }
    prod["liveboard"]["groups"] = [{"id": "G", "filters": [{"column": ["GroupCol"]}]}]
    dev = board(guid=DEV_GUID)
    dev["liveboard"]["groups"] = [{"id": "G", "filters": [{"column": ["GroupCol"]}]}]
    result = merge(dev, prod, Policy())
    assert result.views[0].pruned == ["filter TabCol"]


def test_reference_never_on_prod_liveboard_left_alone() -> None:
    prod = board(filters=["Region"], views=[view("V", "Region", "Viz-level only")])
    result = merge(board(guid=DEV_GUID, filters=[]), prod, Policy())
    filters = tml.views(result.document)[0]["view_filters"]
    assert [f["column"] for f in filters] == [["Viz-level only"]]


def test_stale_parameter_matched_on_id_not_name() -> None:
    carried = {"id": "p-keep", "name": "Shown differently"}
    stale = {"id": "p-gone", "name": "Currency"}
    prod = board(
        params=["p-keep", "p-gone"],
        views=[{"name": "V", "view_parameters": [carried, stale]}],
    )
    dev = board(guid=DEV_GUID, params=["p-keep"])
    result = merge(dev, prod, Policy())
    assert tml.views(result.document)[0]["view_parameters"] == [carried]
    assert result.views[0].pruned == ["parameter Currency"]


def test_parameter_overrides_as_a_map_too() -> None:
    prod = board(views=[{"name": "V", "view_parameters": [{"id": "p1"}]}])
    prod["liveboard"]["parameter_overrides"] = {"p1": {"name": "P"}}
    result = merge(board(guid=DEV_GUID), prod, Policy(stale_filters="fail"))
    assert result.views[0].stale == ["parameter p1"]


def test_missing_views_by_identity() -> None:
    expected = [view("A", view_guid="g-a"), view("B", view_guid="g-b"), view("C")]
    present = [view("A renamed", view_guid="g-a"), view("C")]
    assert [v["name"] for v in missing_views(expected, present)] == ["B"]


def test_demo_fixture_prunes_only_the_view_that_used_the_removed_filter() -> None:
    dev = tml.loads((FIXTURES / "sales" / "dev.liveboard.tml").read_text())
    prod = tml.loads((FIXTURES / "sales" / "prod.liveboard.tml").read_text())
    result = merge(dev, prod, Policy())
    assert [(v.name, v.result, v.pruned) for v in result.views] == [
        ("East region", "carried", []),
        ("My accounts", "carried", ["filter Sales Channel"]),
        ("Q3 review", "carried", []),
        ("dev test", "dropped", []),
    ]


def test_two_dev_only_views_without_view_guid_are_both_kept() -> None:
    # Found by the property tests: a kept view's missing view_guid was taken
    # for one a prod view held.
    result = merge(
        board(guid=DEV_GUID, views=[view("D1"), view("D2")]),
        board(views=[view("P", view_guid="g-p")]),
        Policy(dev_views="keep"),
    )
    assert [v["name"] for v in tml.views(result.document)] == ["P", "D1", "D2"]


def test_a_view_whose_only_reference_is_stale_is_pruned_to_empty() -> None:
    # Found by the property tests: every parameter stale left an empty list,
    # which the merge took for "nothing to prune".
    prod = board(
        params=["p1"], views=[{"name": "V", "view_parameters": [{"id": "p1"}]}]
    )
    result = merge(board(guid=DEV_GUID), prod, Policy())
    assert tml.views(result.document) == [{"name": "V", "view_parameters": []}]
    assert result.views[0].pruned == ["parameter p1"]
