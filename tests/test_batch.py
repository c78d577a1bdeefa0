"""Many liveboards, other clusters and Orgs, GUID mapping, dev TML from the
repository: end to end through entrypoint.py, against one or two emulators."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from actionrun import FIXTURES, assert_no_secrets, run_action
from conftest import ADMIN, ONE_CLUSTER_REQUESTS, SECRET_KEY, Promote, issued_tokens
from tsemulator import Emulator

from sync import tml

DEV_TML = tml.loads((FIXTURES / "sales" / "dev.liveboard.tml").read_text())
PROD_TML = tml.loads((FIXTURES / "sales" / "prod.liveboard.tml").read_text())
DEV_TABLE = "5d1b2c3a-1111-4a2b-9c3d-000000000101"  # the fixtures' `fqn`
PROD_TABLE = "0f0f0f0f-2222-4b3c-8d4e-000000000202"


def guids(i: int) -> tuple[str, str]:
    return f"aaaaaaaa-0000-4000-8000-{i:012d}", f"bbbbbbbb-0000-4000-8000-{i:012d}"


def load_pairs(
    emu: Emulator, count: int, org_id: int = 0, dev_emu=None
) -> list[tuple[str, str]]:
    pairs = []
    for i in range(1, count + 1):
        dev_guid, prod_guid = guids(i)
        dev, prod = copy.deepcopy(DEV_TML), copy.deepcopy(PROD_TML)
        dev["guid"], prod["guid"] = dev_guid, prod_guid
        prod["liveboard"]["name"] = f"Sales {i} (Prod)"
        (dev_emu or emu).load_liveboard(dev, org_id=0 if dev_emu else org_id)
        emu.load_liveboard(prod, org_id=org_id)
        pairs.append((dev_guid, prod_guid))
    return pairs


def lines(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{d} -> {p}" for d, p in pairs)


def views_of(emu: Emulator, guid: str, org_id: int = 0) -> list[str]:
    doc = emu.get_liveboard(guid, org_id=org_id)
    assert doc is not None
    return [v["name"] for v in tml.views(doc)]


def batch(promote: Promote, text: str, **inputs: str):
    return promote(
        dev_liveboard_guid="", prod_liveboard_guid="", liveboards=text, **inputs
    )


@pytest.mark.parametrize("count", [1, 10, 100])
def test_requests_do_not_grow_with_liveboards(
    emulator: Emulator, tmp_path: Path, count: int
) -> None:
    pairs = load_pairs(emulator, count)
    emulator.reset_requests()
    run = batch(Promote(emulator, tmp_path), lines(pairs))
    assert run.returncode == 0, run.stdout
    assert [r.endpoint for r in emulator.requests] == ONE_CLUSTER_REQUESTS
    assert run.outputs["views-carried"] == str(3 * count)
    assert run.outputs["filters-pruned"] == str(count)
    report = json.loads(run.outputs["report"])
    assert [b["prod_guid"] for b in report["liveboards"]] == [p for _, p in pairs]
    for _, prod_guid in pairs:
        assert views_of(emulator, prod_guid) == [
            "East region",
            "My accounts",
            "Q3 review",
        ]
    if count > 1:
        assert (
            f"✅ {count} liveboards promoted, {3 * count} views carried" in run.summary
        )
        assert run.summary.count("<details open><summary>Sales ") == count


def test_malformed_liveboards_line(promote: Promote, emulator: Emulator) -> None:
    dev, prod = guids(1)
    run = batch(promote, f"# release\n{dev} -> {prod}\n{dev}\n")
    assert run.returncode == 1
    (error,) = run.errors
    assert "input 'liveboards': line 3" in error
    assert emulator.requests == []


def test_one_failing_liveboard_leaves_every_prod_liveboard_as_it_was(
    emulator: Emulator, tmp_path: Path
) -> None:
    pairs = load_pairs(emulator, 3)
    before = {p: emulator.get_liveboard(p) for _, p in pairs}
    emulator.import_error(pairs[1][1], "Referenced table with name Sales not found.")
    run = batch(Promote(emulator, tmp_path), lines(pairs))
    assert run.returncode == 1
    (error,) = run.errors
    assert (
        pairs[1][1] in error and "Referenced table with name Sales not found." in error
    )
    # the cause first, the liveboards that failed with it counted, not listed
    assert "and 2 other liveboard(s): Not imported" in error
    assert run.outputs["views-carried"] == "0"
    assert {p: emulator.get_liveboard(p) for _, p in pairs} == before
    assert "prod unchanged" in run.summary
    (request,) = [r for r in emulator.requests if r.endpoint == "import"]
    assert len(request.body["metadata_tmls"]) == 3
    assert request.body["import_policy"] == "ALL_OR_NONE"


@pytest.fixture
def dev_cluster() -> Iterator[Emulator]:
    emu = Emulator()
    emu.add_user("dev.builder", password="pw-dev-cluster-42")
    with emu.start():
        yield emu
    assert not emu.spec_violations, emu.spec_violations


def test_dev_on_a_second_cluster_with_its_own_account(
    emulator: Emulator, dev_cluster: Emulator, tmp_path: Path
) -> None:
    pairs = load_pairs(emulator, 2, dev_emu=dev_cluster)
    mapping = tmp_path / "ws" / "map.json"
    mapping.parent.mkdir()
    mapping.write_text(json.dumps({"mapping": {DEV_TABLE: PROD_TABLE}}))
    emulator.reset_requests()
    run = run_action(
        tmp_path / "ws",
        {
            "host": emulator.url,
            "username": ADMIN,
            "secret-key": SECRET_KEY,
            "dev-host": dev_cluster.url,
            "dev-username": "dev.builder",
            "dev-password": "pw-dev-cluster-42",
            "liveboards": lines(pairs),
            "guid-mapping": "map.json",
        },
    )
    assert run.returncode == 0, run.stdout
    assert_no_secrets(
        run,
        [
            SECRET_KEY,
            "pw-dev-cluster-42",
            *issued_tokens(emulator),
            *issued_tokens(dev_cluster),
        ],
    )
    assert [r.endpoint for r in dev_cluster.requests] == ["auth", "export"]
    assert dev_cluster.requests[0].body == {
        "username": "dev.builder",
        "password": "pw-dev-cluster-42",
        "validity_time_in_sec": 3600,
    }
    assert [r.endpoint for r in emulator.requests] == ONE_CLUSTER_REQUESTS
    for _, prod_guid in pairs:
        stored = emulator.get_liveboard(prod_guid)
        text = json.dumps(stored)
        assert DEV_TABLE not in text and PROD_TABLE in text
        assert views_of(emulator, prod_guid) == [
            "East region",
            "My accounts",
            "Q3 review",
        ]
    assert run.warnings == [w for w in run.warnings if "Unmapped" not in w]
    assert "dev cluster" in run.summary


def _two_orgs(emulator: Emulator, workspace: Path, mapping: object | None):
    """One pair promoted from Org 1 to Org 2 of one cluster, one account."""
    emulator.add_user("org.admin", secret_key="sk-org-admin-77", orgs=(1, 2))
    pairs = load_pairs(emulator, 1, org_id=2)
    # dev lives in Org 1: move it there
    emulator.load_liveboard(emulator.get_liveboard(pairs[0][0], org_id=2), org_id=1)
    workspace.mkdir()
    inputs = {
        "host": emulator.url,
        "username": "org.admin",
        "secret-key": "sk-org-admin-77",
        "org-id": "2",
        "dev-org-id": "1",
        "liveboards": lines(pairs),
    }
    if mapping is not None:
        (workspace / "map.json").write_text(json.dumps(mapping))
        inputs["guid-mapping"] = "map.json"
    return pairs, run_action(workspace, inputs)


@pytest.mark.parametrize(
    "mapping",
    [
        [{"originalGuid": DEV_TABLE, "mappedGuid": PROD_TABLE, "counter": 1, "additionalMapping": {}}],
        {"mapping": {DEV_TABLE: PROD_TABLE}},
        {DEV_TABLE: PROD_TABLE},
    ],
    ids=["git-integration", "cs_tools", "plain"],
)  # fmt: skip
def test_guid_mapping_formats_between_two_orgs(
    emulator: Emulator, tmp_path: Path, mapping: object
) -> None:
    pairs, run = _two_orgs(emulator, tmp_path / "ws", mapping)
    assert run.returncode == 0, run.stdout
    stored = json.dumps(emulator.get_liveboard(pairs[0][1], org_id=2))
    assert PROD_TABLE in stored and DEV_TABLE not in stored
    auths = [r.body.get("org_id") for r in emulator.requests if r.endpoint == "auth"]
    assert sorted(auths) == [1, 2]
    assert not [w for w in run.warnings if "does not map" in w]


def test_unmapped_data_source_warned_between_orgs(
    emulator: Emulator, tmp_path: Path
) -> None:
    _, run = _two_orgs(emulator, tmp_path / "ws", None)
    assert run.returncode == 0, run.stdout
    (warning,) = [w for w in run.warnings if "does not map" in w]
    assert DEV_TABLE in warning


def test_view_upsert_sent(promote: Promote, emulator: Emulator) -> None:
    run = promote(view_upsert="true")
    assert run.returncode == 0, run.stdout
    (request,) = [r for r in emulator.requests if r.endpoint == "import"]
    assert request.body["enable_personalized_view_upsert"] is True
    # views without obj_id are left for ThoughtSpot to keep: none doubled
    (sent,) = request.body["metadata_tmls"]
    assert tml.views(tml.loads(sent)) == []
    assert views_of(emulator, "bbbbbbbb-0000-4000-8000-000000000002") == [
        "East region", "My accounts", "Q3 review",
    ]  # fmt: skip
    (warning,) = [w for w in run.warnings if "obj_id" in w]
    assert "'East region', 'My accounts', 'Q3 review'" in warning


def test_view_upsert_ignored_by_the_cluster_is_caught_and_restored(
    promote: Promote, emulator: Emulator
) -> None:
    emulator.personalized_view_upsert_enabled = False  # the flag does nothing
    before = emulator.get_liveboard("bbbbbbbb-0000-4000-8000-000000000002")
    run = promote(view_upsert="true")
    assert run.returncode == 1
    assert "Prod was restored from the backup" in run.errors[0]
    assert emulator.get_liveboard("bbbbbbbb-0000-4000-8000-000000000002") == before


def test_view_upsert_with_obj_ids_updates_in_place(
    emulator: Emulator, tmp_path: Path
) -> None:
    prod = copy.deepcopy(PROD_TML)
    for i, view in enumerate(prod["liveboard"]["views"]):
        view["obj_id"] = f"sales-view-{i}"
    emulator.load_liveboard(prod)
    run = Promote(emulator, tmp_path)(view_upsert="true")
    assert run.returncode == 0, run.stdout
    assert views_of(emulator, prod["guid"]) == [
        "East region",
        "My accounts",
        "Q3 review",
    ]
    assert not [w for w in run.warnings if "obj_id" in w]


def test_view_upsert_not_sent_by_default(promote: Promote, emulator: Emulator) -> None:
    promote()
    (request,) = [r for r in emulator.requests if r.endpoint == "import"]
    assert "enable_personalized_view_upsert" not in request.body


def test_dev_tml_file_from_the_workspace(emulator: Emulator, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "thoughtspot").mkdir(parents=True)
    source = (FIXTURES / "sales" / "dev.liveboard.tml").read_text()
    (workspace / "thoughtspot" / "Sales overview.liveboard.tml").write_text(source)
    run = run_action(
        workspace,
        {
            "host": emulator.url,
            "username": ADMIN,
            "secret-key": SECRET_KEY,
            "dev-liveboard-guid": "thoughtspot/Sales overview.liveboard.tml",
            "prod-liveboard-guid": "bbbbbbbb-0000-4000-8000-000000000002",
        },
    )
    assert run.returncode == 0, run.stdout
    (export, *_) = [r for r in emulator.requests if r.endpoint == "export"]
    assert [m["identifier"] for m in export.body["metadata"]] == [
        "bbbbbbbb-0000-4000-8000-000000000002"
    ]
    stored = emulator.get_liveboard("bbbbbbbb-0000-4000-8000-000000000002")
    assert [v["id"] for v in tml.body(stored)["visualizations"]][-1] == "Viz_4"
    assert "file `thoughtspot/Sales overview.liveboard.tml`" in run.summary


def test_dev_tml_file_in_a_liveboards_line(emulator: Emulator, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "dev.json").write_text(json.dumps(DEV_TML))
    pairs = load_pairs(emulator, 2)
    run = run_action(
        workspace,
        {
            "host": emulator.url,
            "username": ADMIN,
            "secret-key": SECRET_KEY,
            "liveboards": f"dev.json : {pairs[0][1]}\n{pairs[1][0]} {pairs[1][1]}",
        },
    )
    assert run.returncode == 0, run.stdout
    (export, *_) = [r for r in emulator.requests if r.endpoint == "export"]
    assert [m["identifier"] for m in export.body["metadata"]] == [
        pairs[1][0], pairs[0][1], pairs[1][1],
    ]  # fmt: skip
    for _, prod_guid in pairs:
        assert views_of(emulator, prod_guid) == [
            "East region",
            "My accounts",
            "Q3 review",
        ]
