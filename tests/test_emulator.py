"""The ThoughtSpot emulator's own tests, over real HTTP.

The product's tests trust the emulator to behave like a cluster, so each rule the
API digest states (and each scripted failure) is pinned here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from tsemulator import Emulator
from tsemulator.spec_check import default_spec_path
from tsemulator.tml_yaml import load_yaml

API = "/api/rest/2.0"
PATHS = {
    "auth": f"{API}/auth/token/full",
    "export": f"{API}/metadata/tml/export",
    "import": f"{API}/metadata/tml/import",
    "search": f"{API}/metadata/search",
}
TESTS_DIR = Path(__file__).resolve().parent
SALES_TML = TESTS_DIR / "fixtures" / "emulator" / "sales-review.liveboard.tml"
SALES_GUID = "5b0e6f1a-7c2d-4e39-9a84-1d2c3b4a5f60"
TEAM_VIEW = "9e1d2c3b-4a5f-4607-8b9c-0d1e2f3a4b5c"
ALICE_VIEW = "1c2b3a4d-5e6f-4708-9a1b-2c3d4e5f6a7b"
BOB_VIEW = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918"
SHARED_TML = Path(__file__).resolve().parents[2] / "shared" / "tml"
needs_spec = pytest.mark.skipif(
    not default_spec_path().is_file(), reason="OpenAPI spec not beside the checkout"
)


def shared_tml(name: str) -> Path:
    path = SHARED_TML / name
    if not path.is_file():
        pytest.skip(f"real TML not available: {path}")
    return path


@pytest.fixture
def emu():
    emulator = Emulator()
    emulator.add_user(
        "tsadmin", password="admin-pw", secret_key="admin-secret", orgs=(0, 1)
    )
    emulator.add_user("alice", password="alice-pw", admin=False)
    emulator.add_user("bob", password="bob-pw", admin=False)
    emulator.load_liveboard(SALES_TML)
    with emulator:
        yield emulator
    assert emulator.server_errors == []


def call(
    emu: Emulator,
    endpoint: str,
    body: Any,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    sent = {"Accept": "application/json", "User-Agent": "emulator-tests/1.0"}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    return requests.post(emu.url + PATHS[endpoint], json=body, headers=sent, timeout=10)


def login(
    emu: Emulator, username: str = "tsadmin", password: str = "admin-pw", **extra: Any
) -> str:
    response = call(emu, "auth", {"username": username, "password": password, **extra})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def export(emu: Emulator, token: str, *guids: str, **body: Any) -> list[dict]:
    request = {"metadata": [{"identifier": g} for g in guids], **body}
    response = call(emu, "export", request, token)
    assert response.status_code == 200, response.text
    return response.json()


def exported_doc(emu: Emulator, token: str, guid: str, **body: Any) -> dict:
    return json.loads(export(emu, token, guid, **body)[0]["edoc"])


def import_docs(emu: Emulator, token: str, *docs: Any, **body: Any) -> list[dict]:
    tmls = [d if isinstance(d, str) else json.dumps(d) for d in docs]
    response = call(emu, "import", {"metadata_tmls": tmls, **body}, token)
    assert response.status_code == 200, response.text
    return response.json()


def stored_view_guids(emu: Emulator, guid: str = SALES_GUID, org_id: int = 0) -> list:
    document = emu.get_liveboard(guid, org_id)
    assert document is not None
    return [v["view_guid"] for v in document["liveboard"].get("views", [])]


def error_of(response: requests.Response) -> tuple[int, str]:
    """Code and message from either error shape."""
    message = response.json()["error"]["message"]
    if isinstance(message["debug"], dict):
        inner = message["debug"]
        return inner["code"], json.loads(inner["debug"])[0]
    return message["code"], message["debug"]


# -- authentication ---------------------------------------------------------------


def test_password_login_returns_a_token_for_user_and_org(emu):
    response = call(emu, "auth", {"username": "tsadmin", "password": "admin-pw"})
    assert response.status_code == 200
    body = response.json()
    assert body["valid_for_username"] == "tsadmin"
    assert body["scope"] == {"access_type": "FULL", "org_id": 0, "metadata_id": None}
    assert (
        body["expiration_time_in_millis"] - body["creation_time_in_millis"] == 300_000
    )
    assert len(body["token"]) >= 32
    assert call(emu, "search", {}, body["token"]).status_code == 200


def test_secret_key_login_into_a_chosen_org(emu):
    response = call(
        emu,
        "auth",
        {"username": "tsadmin", "secret_key": "admin-secret", "org_id": 1},
    )
    assert response.status_code == 200
    assert response.json()["scope"]["org_id"] == 1


def test_secret_key_wins_over_a_wrong_password(emu):
    body = {"username": "tsadmin", "password": "wrong", "secret_key": "admin-secret"}
    assert call(emu, "auth", body).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "tsadmin"}, 400, 10002),
        ({"username": "tsadmin", "password": ""}, 400, 10002),
        ({"username": "tsadmin", "password": "wrong"}, 401, 10097),
        ({"username": "nobody", "password": "admin-pw"}, 401, 10097),
        ({"username": "tsadmin", "secret_key": "wrong"}, 401, 10097),
        ({"username": "alice", "secret_key": "admin-secret"}, 401, 10097),
        ({"username": "alice", "password": "alice-pw", "org_id": 1}, 401, 10097),
    ],
    ids=[
        "no-credential",
        "empty-password",
        "wrong-password",
        "unknown-user",
        "wrong-secret",
        "user-without-secret",
        "org-not-joined",
    ],
)
def test_login_errors(emu, body, status, code):
    response = call(emu, "auth", body)
    assert response.status_code == status
    assert error_of(response)[0] == code


def test_secret_key_login_without_trusted_auth_is_forbidden(emu):
    emu.trusted_auth_enabled = False
    response = call(emu, "auth", {"username": "tsadmin", "secret_key": "admin-secret"})
    assert response.status_code == 403
    assert error_of(response)[0] == 10023
    # Passwords still work: only trusted authentication is off.
    assert login(emu)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic dHNhZG1pbjphZG1pbi1wdw=="]
)
def test_calls_without_a_valid_bearer_get_401(emu, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = call(
        emu, "export", {"metadata": [{"identifier": SALES_GUID}]}, None, headers
    )
    assert response.status_code == 401
    code, message = error_of(response)
    assert code == 10000
    assert "expired or invalid" in message


def test_expired_tokens_get_401(emu):
    token = login(emu)
    assert call(emu, "search", {}, token).status_code == 200
    emu.expire_tokens()
    assert call(emu, "search", {}, token).status_code == 401
    assert call(emu, "search", {}, login(emu)).status_code == 200


def test_token_validity_runs_out(emu):
    token = login(emu, validity_time_in_sec=0)
    assert call(emu, "search", {}, token).status_code == 401


def test_tokens_only_see_their_own_org(emu):
    guid = emu.load_liveboard(sales_copy("org1-board"), org_id=1)
    org0 = export(emu, login(emu), guid)[0]
    org1 = export(emu, login(emu, org_id=1), guid)[0]
    assert org0["info"]["status"]["status_code"] == "ERROR"
    assert org1["info"]["status"]["status_code"] == "OK"


def sales_copy(guid: str) -> dict:
    """The fixture liveboard under another GUID and without its obj_id."""
    document = load_yaml(SALES_TML.read_text(encoding="utf-8"))
    document["guid"] = guid
    document.pop("obj_id")
    return document


def test_concurrent_logins_all_succeed(emu):
    tokens: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        token = login(emu)
        with lock:
            tokens.append(token)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 16


# -- export -----------------------------------------------------------------------


def test_export_json_of_a_real_liveboard(emu):
    guid = emu.load_liveboard(shared_tml("app-adoption.liveboard.tml"))
    item = export(emu, login(emu), guid)[0]
    assert item["info"] == {
        "name": "App adoption",
        "filename": "App adoption.liveboard.tml",
        "id": guid,
        "type": "liveboard",
        "status": {"status_code": "OK"},
    }
    document = json.loads(item["edoc"])
    assert document == emu.get_liveboard(guid)
    assert item["edoc"] == json.dumps(document, sort_keys=True)  # keys alphabetical
    view = document["liveboard"]["views"][0]
    assert view["view_guid"] == "60c63c6f-0cab-4afb-8386-eaa0f09a353c"
    assert {"column": ["Location"], "oper": "="} in view["view_filters"]


def test_export_yaml_of_a_real_liveboard_writes_oper_bare(emu):
    source = shared_tml("app-adoption.liveboard.tml")
    guid = emu.load_liveboard(source)
    item = export(emu, login(emu), guid, edoc_format="YAML")[0]
    edoc = item["edoc"]
    assert "        oper: =\n" in edoc
    assert edoc.splitlines()[:3] == [
        f"guid: {guid}",
        "liveboard:",
        "  name: App adoption",
    ]
    assert body_keys(edoc)[-2:] == ["views", "style"]
    # The quirk is reproduced: PyYAML's safe loader refuses the export as it is.
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load(edoc)
    assert load_yaml(edoc) == load_yaml(source.read_text(encoding="utf-8"))


def body_keys(edoc: str) -> list[str]:
    """The keys of the liveboard body, in the order a YAML edoc writes them."""
    return [
        line.strip().split(":")[0]
        for line in edoc.splitlines()
        if line.startswith("  ") and line[2] not in " -"
    ]


def test_export_keeps_the_old_pinboard_key(emu):
    guid = emu.load_liveboard(shared_tml("dummy.pinboard.tml"))
    document = exported_doc(emu, login(emu), guid)
    assert "pinboard" in document
    assert "liveboard" not in document
    assert document["pinboard"]["name"] == "This is our Product Universe"


def test_export_yaml_key_order_follows_the_schema(emu):
    # Stored in alphabetical order (as a JSON import would leave it).
    document = json.loads(json.dumps(emu.get_liveboard(SALES_GUID), sort_keys=True))
    guid = emu.load_liveboard({**document, "guid": "ordered"})
    edoc = export(emu, login(emu), guid, edoc_format="YAML")[0]["edoc"]
    top = [line.split(":")[0] for line in edoc.splitlines() if not line.startswith(" ")]
    assert top == ["guid", "liveboard"]
    assert body_keys(edoc) == [
        "name",
        "description",
        "visualizations",
        "filters",
        "layout",
        "views",
        "style",
        "chip_layout_v3",
    ]
    assert "  - view_guid: 9e1d2c3b" in edoc


def test_export_obj_id_only_when_asked(emu):
    token = login(emu)
    assert "obj_id" not in exported_doc(emu, token, SALES_GUID)
    with_id = exported_doc(
        emu, token, SALES_GUID, export_options={"include_obj_id": True}
    )
    assert with_id["obj_id"] == "sales-review"


def test_export_answers_in_request_order(emu):
    other = emu.load_liveboard(sales_copy("second"))
    items = export(emu, login(emu), other, "missing-guid", SALES_GUID)
    assert [i["info"]["id"] for i in items] == [other, "missing-guid", SALES_GUID]


def test_export_of_an_unknown_guid_is_an_error_item(emu):
    item = export(emu, login(emu), "0000-unknown")[0]
    assert item["info"]["status"]["status_code"] == "ERROR"
    assert "0000-unknown" in item["info"]["status"]["error_message"]
    assert "edoc" not in item


def test_export_of_an_unknown_guid_can_be_a_400(emu):
    emu.unknown_guid_export = "http_400"
    body = {"metadata": [{"identifier": SALES_GUID}, {"identifier": "0000-unknown"}]}
    response = call(emu, "export", body, login(emu))
    assert response.status_code == 400
    assert error_of(response)[0] == 10002


def test_export_with_a_wrong_type_is_a_400(emu):
    body = {"metadata": [{"identifier": SALES_GUID, "type": "ANSWER"}]}
    response = call(emu, "export", body, login(emu))
    assert response.status_code == 400


def test_export_by_name_needs_the_type(emu):
    token = login(emu)
    typed = {"metadata": [{"identifier": "Sales review", "type": "LIVEBOARD"}]}
    assert call(emu, "export", typed, token).json()[0]["info"]["id"] == SALES_GUID
    untyped = export(emu, token, "Sales review")[0]
    assert untyped["info"]["status"]["status_code"] == "ERROR"


def test_scripted_export_error(emu):
    emu.export_error(SALES_GUID)
    token = login(emu)
    for _ in range(2):
        item = export(emu, token, SALES_GUID)[0]
        assert item["info"]["status"] == {
            "status_code": "ERROR",
            "error_message": "Cannot download TML due to lack of access to objects",
        }
        assert item["info"]["id"] == SALES_GUID
        assert "edoc" not in item


def test_scripted_export_error_runs_out(emu):
    emu.export_error(SALES_GUID, message="no access", count=1)
    token = login(emu)
    first = export(emu, token, SALES_GUID)[0]
    second = export(emu, token, SALES_GUID)[0]
    assert first["info"]["status"]["error_message"] == "no access"
    assert second["info"]["status"]["status_code"] == "OK"


@pytest.mark.parametrize(("mode", "expected"), [("missing", None), ("empty", "")])
def test_scripted_export_without_edoc(emu, mode, expected):
    emu.export_edoc(SALES_GUID, mode)
    item = export(emu, login(emu), SALES_GUID)[0]
    assert item["info"]["status"]["status_code"] == "OK"
    assert item.get("edoc", None) == expected
    assert ("edoc" in item) == (mode == "empty")


def test_other_users_private_views_can_be_hidden_from_export(emu):
    def exported_views(username: str, password: str) -> set[str]:
        document = exported_doc(emu, login(emu, username, password), SALES_GUID)
        return {v["view_guid"] for v in document["liveboard"].get("views", [])}

    everything = {TEAM_VIEW, ALICE_VIEW, BOB_VIEW}
    assert exported_views("tsadmin", "admin-pw") == everything
    emu.hide_other_users_private_views = True
    assert exported_views("tsadmin", "admin-pw") == {TEAM_VIEW}
    assert exported_views("alice", "alice-pw") == {TEAM_VIEW, ALICE_VIEW}
    assert stored_view_guids(emu) == [TEAM_VIEW, ALICE_VIEW, BOB_VIEW]


# -- import -----------------------------------------------------------------------


def test_admin_import_over_existing_drops_views_not_in_the_tml(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = [document["liveboard"]["views"][0]]
    document["liveboard"]["name"] = "Sales review v2"
    result = import_docs(emu, token, document)
    assert result[0]["response"]["status"] == {"status_code": "OK"}
    assert stored_view_guids(emu) == [TEAM_VIEW]
    assert emu.get_liveboard(SALES_GUID)["liveboard"]["name"] == "Sales review v2"


def test_admin_import_without_views_removes_them_all(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    del document["liveboard"]["views"]
    import_docs(emu, token, document)
    assert stored_view_guids(emu) == []


def test_imported_view_without_guid_gets_one(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = [{"name": "Fresh", "is_public": True}]
    import_docs(emu, token, document)
    (guid,) = stored_view_guids(emu)
    assert len(guid) == 36
    assert guid not in {TEAM_VIEW, ALICE_VIEW, BOB_VIEW}


def test_non_admin_import_keeps_views_missing_from_the_tml(emu):
    token = login(emu, "alice", "alice-pw")
    document = exported_doc(emu, token, SALES_GUID)
    alice = next(
        v for v in document["liveboard"]["views"] if v["view_guid"] == ALICE_VIEW
    )
    alice["name"] = "Alice renamed"
    document["liveboard"]["views"] = [alice]
    import_docs(emu, token, document)
    stored = emu.get_liveboard(SALES_GUID)["liveboard"]["views"]
    assert sorted(v["view_guid"] for v in stored) == sorted(
        [TEAM_VIEW, ALICE_VIEW, BOB_VIEW]
    )
    assert (
        next(v for v in stored if v["view_guid"] == ALICE_VIEW)["name"]
        == "Alice renamed"
    )


def test_upsert_matches_views_by_obj_id_and_keeps_the_rest(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = [
        {"view_guid": "dev-guid-1", "obj_id": "team-default", "name": "Team (dev)"},
        {"view_guid": "dev-guid-2", "obj_id": "brand-new", "name": "New in dev"},
    ]
    import_docs(emu, token, document, enable_personalized_view_upsert=True)
    stored = {
        v["view_guid"]: v for v in emu.get_liveboard(SALES_GUID)["liveboard"]["views"]
    }
    assert set(stored) == {TEAM_VIEW, ALICE_VIEW, BOB_VIEW, "dev-guid-2"}
    assert stored[TEAM_VIEW]["name"] == "Team (dev)"  # updated in place
    assert stored[ALICE_VIEW]["name"] == "Alice west coast"  # kept untouched


def test_upsert_flag_is_ignored_where_the_feature_is_off(emu):
    emu.personalized_view_upsert_enabled = False
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = [document["liveboard"]["views"][0]]
    import_docs(emu, token, document, enable_personalized_view_upsert=True)
    assert stored_view_guids(emu) == [TEAM_VIEW]


def test_all_or_none_with_one_bad_item_writes_nothing(emu):
    token = login(emu)
    before = emu.get_liveboard(SALES_GUID)
    good = exported_doc(emu, token, SALES_GUID)
    good["liveboard"]["name"] = "Changed"
    good["liveboard"]["views"] = []
    result = import_docs(
        emu, token, good, "liveboard: [unclosed", import_policy="ALL_OR_NONE"
    )
    assert [r["response"]["status"]["status_code"] for r in result] == [
        "ERROR",
        "ERROR",
    ]
    assert [r["request_index"] for r in result] == [0, 1]
    assert all("header" not in r["response"] for r in result)
    assert emu.get_liveboard(SALES_GUID) == before


def test_partial_writes_the_good_items(emu):
    token = login(emu)
    good = exported_doc(emu, token, SALES_GUID)
    good["liveboard"]["name"] = "Changed"
    result = import_docs(emu, token, "{not: [tml", good)
    assert result[0]["response"]["status"]["status_code"] == "ERROR"
    assert result[0]["response"]["status"]["error_code"]
    assert result[1]["response"]["status"]["status_code"] == "OK"
    assert emu.get_liveboard(SALES_GUID)["liveboard"]["name"] == "Changed"


def test_validate_only_writes_nothing(emu):
    token = login(emu)
    before = emu.get_liveboard(SALES_GUID)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = []
    new = sales_copy("brand-new-board")
    result = import_docs(emu, token, document, new, import_policy="VALIDATE_ONLY")
    assert [r["response"]["status"]["status_code"] for r in result] == ["OK", "OK"]
    assert emu.get_liveboard(SALES_GUID) == before
    assert emu.get_liveboard("brand-new-board") is None


def test_obj_id_wins_over_guid(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["guid"] = "dev-liveboard-guid"
    document["obj_id"] = "sales-review"
    document["liveboard"]["name"] = "Promoted"
    result = import_docs(emu, token, document)
    assert result[0]["response"]["header"]["id_guid"] == SALES_GUID
    assert emu.get_liveboard(SALES_GUID)["liveboard"]["name"] == "Promoted"
    assert emu.get_liveboard(SALES_GUID)["guid"] == SALES_GUID
    assert emu.get_liveboard("dev-liveboard-guid") is None


def test_unknown_guid_is_created_with_that_guid(emu):
    document = sales_copy("created-as-given")
    result = import_docs(emu, login(emu), document)
    assert result[0]["response"]["header"]["id_guid"] == "created-as-given"
    assert emu.get_liveboard("created-as-given")["liveboard"]["name"] == "Sales review"


def test_no_identifier_or_create_new_makes_a_new_guid(emu):
    token = login(emu)
    anonymous = sales_copy("x")
    del anonymous["guid"]
    duplicate = emu.get_liveboard(SALES_GUID)
    first = import_docs(emu, token, anonymous)[0]["response"]["header"]["id_guid"]
    second = import_docs(emu, token, duplicate, create_new=True)
    second_guid = second[0]["response"]["header"]["id_guid"]
    assert len({first, second_guid, SALES_GUID}) == 3
    assert emu.get_liveboard(first) is not None
    assert "obj_id" not in emu.get_liveboard(second_guid)
    assert stored_view_guids(emu) == [TEAM_VIEW, ALICE_VIEW, BOB_VIEW]


def test_import_response_header(emu):
    token = login(emu)
    result = import_docs(emu, token, exported_doc(emu, token, SALES_GUID))
    header = result[0]["response"]["header"]
    assert header["id_guid"] == SALES_GUID
    assert header["name"] == "Sales review"
    assert header["metadata_type"] == "PINBOARD_ANSWER_BOOK"
    assert header["type"] == "pinboard"
    assert header["owner_guid"] and header["author_guid"]
    assert result[0]["response"]["diff"] == {}


def test_scripted_import_error(emu):
    emu.import_error(SALES_GUID)
    token = login(emu)
    before = emu.get_liveboard(SALES_GUID)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["views"] = []
    response = import_docs(emu, token, document)[0]["response"]
    assert response["status"] == {
        "status_code": "ERROR",
        "error_message": "Referenced table with name <b>Sales</b> not found.<br/>"
        "Check the model.",
        "error_code": 14502,
    }
    assert "header" not in response
    assert emu.get_liveboard(SALES_GUID) == before


def test_scripted_import_warning_still_writes(emu):
    emu.import_warning(SALES_GUID, "Some columns could not be matched")
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    document["liveboard"]["name"] = "Warned"
    response = import_docs(emu, token, document)[0]["response"]
    assert response["status"] == {
        "status_code": "WARNING",
        "error_message": "Some columns could not be matched",
    }
    assert response["header"]["id_guid"] == SALES_GUID
    assert emu.get_liveboard(SALES_GUID)["liveboard"]["name"] == "Warned"


def test_lose_views_on_import_reports_ok_but_drops_views(emu):
    emu.lose_views_on_import()
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    result = import_docs(emu, token, document)
    assert result[0]["response"]["status"]["status_code"] == "OK"
    assert stored_view_guids(emu) == []
    import_docs(emu, token, document)  # only the next import was affected
    assert stored_view_guids(emu) == [TEAM_VIEW, ALICE_VIEW, BOB_VIEW]


def test_yaml_and_json_imports_store_the_same_document(emu):
    token = login(emu)
    yaml_text = SALES_TML.read_text(encoding="utf-8")
    as_dict = load_yaml(yaml_text)
    import_docs(emu, token, yaml_text)
    from_yaml = emu.get_liveboard(SALES_GUID)
    import_docs(emu, token, json.dumps(as_dict, sort_keys=True))
    from_json = emu.get_liveboard(SALES_GUID)
    assert from_yaml == from_json == as_dict
    assert from_json["liveboard"]["chip_layout_v3"] == {
        "pinned": True
    }  # unknown key kept
    assert from_json["liveboard"]["filters"][1]["date_filter"]["oper"] == "="


def test_import_keeps_the_pinboard_key(emu):
    source = shared_tml("dummy.pinboard.tml")
    result = import_docs(emu, login(emu), source.read_text(encoding="utf-8"))
    guid = result[0]["response"]["header"]["id_guid"]
    assert guid == "4c6e8502-1695-4dc4-b0b0-215dae7a6d71"
    assert list(emu.get_liveboard(guid)) == ["guid", "pinboard"]


@pytest.mark.parametrize(
    "tml",
    ['{"guid": "x", "answer": {"name": "A"}}', "just some words", "- a\n- list\n"],
    ids=["answer", "scalar", "list"],
)
def test_import_of_something_that_is_not_a_liveboard_is_an_error_item(emu, tml):
    response = import_docs(emu, login(emu), tml)[0]["response"]
    assert response["status"]["status_code"] == "ERROR"
    assert response["status"]["error_message"]
    assert isinstance(response["status"]["error_code"], int)
    assert emu.get_liveboard("x") is None


def test_duplicate_view_guids_in_one_tml_are_refused(emu):
    token = login(emu)
    document = exported_doc(emu, token, SALES_GUID)
    views = document["liveboard"]["views"]
    views.append(dict(views[0]))
    response = import_docs(emu, token, document)[0]["response"]
    assert response["status"]["status_code"] == "ERROR"
    assert "Duplicate view_guid" in response["status"]["error_message"]


def test_views_without_author_belong_to_whoever_imported_them(emu):
    private = {"view_guid": "no-author", "name": "Mine", "is_public": False}
    guid = emu.load_liveboard(
        {"guid": "lb", "liveboard": {"name": "Plain", "views": [private]}},
        owner="alice",
    )
    emu.hide_other_users_private_views = True
    admin, alice = login(emu), login(emu, "alice", "alice-pw")
    assert "views" not in exported_doc(emu, admin, guid)["liveboard"]
    assert exported_doc(emu, alice, guid)["liveboard"]["views"] == [private]
    document = exported_doc(emu, alice, guid)
    document["liveboard"]["views"].append({"name": "Bob's", "is_public": False})
    import_docs(emu, login(emu, "bob", "bob-pw"), document)
    request = {
        "metadata": [{"identifier": guid}],
        "include_details": True,
        "include_personalised_views": True,
    }
    item = call(emu, "search", request, admin).json()[0]
    views = item["metadata_detail"]["personalised_views"]
    assert {v["view_name"]: v["author_name"] for v in views} == {
        "Mine": "alice",
        "Bob's": "bob",
    }


def test_view_limit_caps_the_views_an_import_keeps(emu):
    emu.view_limit = 2
    token = login(emu)
    import_docs(emu, token, exported_doc(emu, token, SALES_GUID))
    assert stored_view_guids(emu) == [TEAM_VIEW, ALICE_VIEW]


# -- search -----------------------------------------------------------------------


def search_sales(emu: Emulator, token: str, **body: Any) -> requests.Response:
    request = {"metadata": [{"identifier": SALES_GUID, "type": "LIVEBOARD"}], **body}
    return call(emu, "search", request, token)


def test_search_lists_every_personalised_view(emu):
    response = search_sales(
        emu, login(emu), include_details=True, include_personalised_views=True
    )
    assert response.status_code == 200
    (item,) = response.json()
    assert item["metadata_id"] == SALES_GUID
    assert item["metadata_name"] == "Sales review"
    assert item["metadata_type"] == "LIVEBOARD"
    assert item["metadata_header"]["id"] == SALES_GUID
    views = item["metadata_detail"]["personalised_views"]
    assert [(v["view_guid"], v["author_name"], v["is_public"]) for v in views] == [
        (TEAM_VIEW, "tsadmin", True),
        (ALICE_VIEW, "alice", False),
        (BOB_VIEW, "bob", False),
    ]
    assert views[0]["view_name"] == "Team default"
    assert len({v["author_guid"] for v in views}) == 3


def test_search_personalised_views_even_when_export_hides_them(emu):
    emu.hide_other_users_private_views = True
    token = login(emu)
    detail = search_sales(
        emu, token, include_details=True, include_personalised_views=True
    ).json()[0]["metadata_detail"]
    exported = exported_doc(emu, token, SALES_GUID)["liveboard"]["views"]
    assert len(detail["personalised_views"]) == 3
    assert len(exported) == 1


def test_search_without_details_has_no_detail(emu):
    (item,) = search_sales(emu, login(emu), include_personalised_views=True).json()
    assert "metadata_detail" not in item


def test_search_personalised_views_absent(emu):
    emu.personalised_views_support = "absent"
    response = search_sales(
        emu, login(emu), include_details=True, include_personalised_views=True
    )
    detail = response.json()[0]["metadata_detail"]
    assert detail["id"] == SALES_GUID
    assert "personalised_views" not in detail


def test_search_personalised_views_unsupported_is_a_400(emu):
    emu.personalised_views_support = "http_400"
    token = login(emu)
    response = search_sales(
        emu, token, include_details=True, include_personalised_views=True
    )
    assert response.status_code == 400
    assert error_of(response)[0] == 10002
    assert search_sales(emu, token, include_details=True).status_code == 200


def test_search_of_unknown_objects(emu):
    token = login(emu)
    typed = {"metadata": [{"identifier": "nope", "type": "LIVEBOARD"}]}
    untyped = {"metadata": [{"identifier": "nope"}]}
    assert call(emu, "search", typed, token).json() == []
    response = call(emu, "search", untyped, token)
    assert response.status_code == 400
    assert error_of(response)[0] == 10002


# -- injected failures, error shapes, spec checks ---------------------------------


def test_fail_next_429_with_retry_after_then_recovers(emu):
    emu.fail_next("auth", 429, count=2, headers={"Retry-After": "1"})
    body = {"username": "tsadmin", "password": "admin-pw"}
    first, second, third = (call(emu, "auth", body) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "1"
    assert first.json()["error"]["message"]["debug"]


def test_fail_next_429_without_retry_after_sends_none(emu):
    emu.fail_next("search", 429)
    response = call(emu, "search", {}, login(emu))
    assert response.status_code == 429
    assert "Retry-After" not in response.headers


def test_fail_next_with_a_raw_html_body(emu):
    emu.fail_next("export", 502, body="<html><body>Bad gateway</body></html>")
    token = login(emu)
    response = call(emu, "export", {"metadata": [{"identifier": SALES_GUID}]}, token)
    assert response.status_code == 502
    assert response.text == "<html><body>Bad gateway</body></html>"
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert export(emu, token, SALES_GUID)[0]["info"]["status"]["status_code"] == "OK"


def test_fail_next_with_a_json_body(emu):
    emu.fail_next("import", 500, body={"oops": True})
    response = call(emu, "import", {"metadata_tmls": ["x"]}, login(emu))
    assert response.status_code == 500
    assert response.json() == {"oops": True}


def test_spec_error_shape(emu):
    response = call(emu, "auth", {"username": "tsadmin", "password": "wrong"})
    message = response.json()["error"]["message"]
    assert message["code"] == 10097
    assert message["incident_id_guid"] and message["trace_id_guid"]
    assert "Invalid credentials" in message["debug"]


def test_live_error_shape(emu):
    emu.error_shape = "live"
    response = call(emu, "auth", {"username": "tsadmin", "password": "wrong"})
    inner = response.json()["error"]["message"]["debug"]
    assert inner["code"] == 10097
    assert inner["incident_id_guid"]
    messages = json.loads(inner["debug"])
    assert messages[0].startswith("Invalid credentials")
    assert messages[-1] == ""


def test_live_error_shape_for_injected_failures(emu):
    emu.error_shape = "live"
    emu.fail_next("search", 503)
    response = call(emu, "search", {}, login(emu))
    assert response.status_code == 503
    assert json.loads(response.json()["error"]["message"]["debug"]["debug"])[0]


@needs_spec
def test_unknown_field_is_a_recorded_spec_violation(emu):
    token = login(emu)
    body = {"metadata": [{"identifier": SALES_GUID}], "bogus_field": 1}
    response = call(emu, "export", body, token)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == 10002
    assert "bogus_field" in message
    (violation,) = emu.spec_violations
    assert "/metadata/tml/export" in violation
    assert "bogus_field" in violation


@needs_spec
def test_nested_unknown_field_and_wrong_type_are_violations(emu):
    token = login(emu)
    body = {
        "metadata": [{"identifier": SALES_GUID, "guid": SALES_GUID}],
        "export_options": {"include_obj_id": "yes"},
    }
    assert call(emu, "export", body, token).status_code == 400
    violations = "\n".join(emu.spec_violations)
    assert "/metadata/0/guid" in violations
    assert "/export_options/include_obj_id" in violations


@needs_spec
def test_auth_field_from_another_endpoint_is_a_violation(emu):
    body = {"username": "tsadmin", "password": "admin-pw", "org_identifier": "x"}
    assert call(emu, "auth", body).status_code == 400
    assert "org_identifier" in emu.spec_violations[0]


@needs_spec
def test_valid_requests_raise_no_violations(emu):
    token = login(emu, org_id=0, validity_time_in_sec=600)
    export(
        emu,
        token,
        SALES_GUID,
        edoc_format="YAML",
        export_fqn=False,
        export_options={"include_guid": True, "include_obj_id": True},
    )
    document = exported_doc(emu, token, SALES_GUID)
    import_docs(
        emu,
        token,
        document,
        import_policy="ALL_OR_NONE",
        create_new=False,
        enable_personalized_view_upsert=None,
    )
    search_sales(
        emu,
        token,
        include_details=True,
        include_personalised_views=True,
        record_offset=0,
        record_size=10,
    )
    assert emu.spec_violations == []
    assert emu.validates_spec


def test_non_json_body_is_refused(emu):
    token = login(emu)
    response = requests.post(
        emu.url + PATHS["search"],
        data="metadata=all",
        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 400
    assert len(emu.spec_violations) == 2  # wrong content type, body not JSON
    assert emu.requests[-1].body == "metadata=all"


def test_requests_are_recorded(emu):
    token = login(emu)
    export(emu, token, SALES_GUID)
    auth, exported = emu.requests
    assert (auth.method, auth.path, auth.endpoint, auth.status) == (
        "POST",
        PATHS["auth"],
        "auth",
        200,
    )
    assert auth.body == {"username": "tsadmin", "password": "admin-pw"}
    assert exported.endpoint == "export"
    assert exported.headers["authorization"] == f"Bearer {token}"
    assert exported.body == {"metadata": [{"identifier": SALES_GUID}]}
    assert emu.user_agents == {"emulator-tests/1.0"}
    emu.reset_requests()
    assert emu.requests == []


def test_wrong_method_and_unknown_path(emu):
    assert requests.get(emu.url + PATHS["search"], timeout=10).status_code == 405
    missing = requests.post(emu.url + f"{API}/metadata/nope", json={}, timeout=10)
    assert missing.status_code == 404
    doubled = requests.post(emu.url + "/" + PATHS["auth"], json={}, timeout=10)
    assert doubled.status_code == 404
    assert [r.endpoint for r in emu.requests] == ["search", None, None]


def test_latency_applies_to_the_chosen_endpoint(emu):
    emu.set_latency(0.3, endpoint="search")
    started = time.monotonic()
    token = login(emu)
    login_took = time.monotonic() - started
    started = time.monotonic()
    call(emu, "search", {}, token)
    search_took = time.monotonic() - started
    assert search_took >= 0.3
    assert login_took < 0.3


# -- the Python API itself ----------------------------------------------------------


def test_load_liveboard_from_text_and_dict():
    emulator = Emulator()
    from_text = emulator.load_liveboard(SALES_TML.read_text(encoding="utf-8"))
    from_dict = emulator.load_liveboard({"liveboard": {"name": "No guid"}})
    assert from_text == SALES_GUID
    assert len(from_dict) == 36
    assert emulator.get_liveboard(from_dict)["guid"] == from_dict
    with pytest.raises(ValueError):
        emulator.load_liveboard("not: a liveboard")


def test_get_liveboard_returns_a_copy():
    emulator = Emulator()
    emulator.load_liveboard(SALES_TML)
    emulator.get_liveboard(SALES_GUID)["liveboard"]["name"] = "Mutated"
    assert emulator.get_liveboard(SALES_GUID)["liveboard"]["name"] == "Sales review"
    assert emulator.get_liveboard(SALES_GUID, org_id=3) is None


def test_settings_refuse_unknown_values():
    emulator = Emulator()
    with pytest.raises(ValueError):
        emulator.error_shape = "xml"
    with pytest.raises(ValueError):
        emulator.personalised_views_support = "maybe"
    with pytest.raises(ValueError):
        emulator.fail_next("login", 500)


def test_explicit_missing_spec_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        Emulator(spec_path=tmp_path / "absent.json")


def test_url_needs_a_running_server():
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    with emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
        assert not emulator.url.endswith("/")
    with pytest.raises(RuntimeError):
        _ = emulator.url


def test_runs_as_a_subprocess(tmp_path):
    url_file = tmp_path / "url"
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    command = [
        sys.executable,
        "-m",
        "tsemulator",
        "--port",
        "0",
        "--user",
        "admin:pw:",
        "--liveboard",
        str(SALES_TML),
        "--org-id",
        "2",
        "--url-file",
        str(url_file),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 10
        while not url_file.exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.02)
        url = url_file.read_text(encoding="utf-8").strip()
        token = requests.post(
            url + PATHS["auth"],
            json={"username": "admin", "password": "pw"},
            timeout=10,
        ).json()["token"]
        items = requests.post(
            url + PATHS["export"],
            json={"metadata": [{"identifier": SALES_GUID}]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert items[0]["info"]["name"] == "Sales review"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert out.strip() == url
    assert err == ""
