"""The ThoughtSpot client against the emulator, over real HTTP."""

from __future__ import annotations

import json
import re
import socket

import pytest
from conftest import ADMIN, DEV_GUID, PASSWORD, PROD_GUID, SECRET_KEY
from tsemulator import Emulator

from sync import tml
from sync.thoughtspot import (
    AuthenticationError,
    Client,
    ConnectionFailed,
    ObjectError,
    PermissionDenied,
    RateLimited,
    ThoughtSpotError,
    clean_message,
    parse_error_body,
)


def client(emu: Emulator, **kwargs) -> Client:
    options = {"secret_key": SECRET_KEY, "backoff": 0.01, **kwargs}
    return Client(emu.url, ADMIN, **options)


def endpoints(emu: Emulator) -> list[str]:
    return [r.endpoint for r in emu.requests]


def test_login_and_export_both_in_one_call(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    items = c.export_liveboards([DEV_GUID, PROD_GUID])
    assert tml.body(tml.loads(items[PROD_GUID].edoc))["name"] == "Sales Overview (Prod)"
    assert tml.loads(items[DEV_GUID].edoc)["guid"] == DEV_GUID
    assert endpoints(emulator) == ["auth", "export"]
    export = emulator.requests[1]
    assert export.headers["Authorization"] == f"Bearer {c.token}"
    assert export.headers["User-Agent"].startswith("thoughtspot-view-sync/")
    assert c.requests_made == 2


def test_password_login_sends_no_secret_key(emulator: Emulator) -> None:
    Client(emulator.url, ADMIN, password=PASSWORD).login()
    assert emulator.requests[0].body["password"] == PASSWORD
    assert "secret_key" not in emulator.requests[0].body


def test_org_id_sent_when_given(emulator: Emulator) -> None:
    emulator.add_user("org.admin", password="pw-org-admin", orgs=(0, 7))
    Client(emulator.url, "org.admin", password="pw-org-admin", org_id=7).login()
    assert emulator.requests[0].body["org_id"] == 7


@pytest.mark.parametrize("shape", ["spec", "live"])
def test_bad_credentials_message_in_both_error_shapes(shape: str) -> None:
    emu = Emulator(error_shape=shape)
    emu.add_user(ADMIN, secret_key=SECRET_KEY)
    with emu.start(), pytest.raises(AuthenticationError) as caught:
        url = emu.url
        client(emu, secret_key="sk-wrong-000").login()
    error = caught.value
    assert (error.status, error.code) == (401, 10097)
    assert error.server_message and error.server_message != "no message"
    assert url in str(error) and "sign-in on prod" in str(error)
    assert "sk-wrong-000" not in str(error)


def test_trusted_auth_disabled_is_an_authentication_error(emulator: Emulator) -> None:
    emulator.trusted_auth_enabled = False
    with pytest.raises(AuthenticationError) as caught:
        client(emulator).login()
    assert caught.value.status == 403 and caught.value.code == 10023


def test_expired_token_signs_in_again_once(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    first = c.token
    emulator.expire_tokens()
    c.export_liveboards([PROD_GUID])
    assert endpoints(emulator) == ["auth", "export", "auth", "export"]
    assert c.token != first


def test_token_refused_twice_fails(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    emulator.fail_next("export", 401, count=2)
    with pytest.raises(AuthenticationError, match="refused again"):
        c.export_liveboards([PROD_GUID])


def test_forbidden(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    emulator.fail_next("export", 403)
    with pytest.raises(PermissionDenied):
        c.export_liveboards([PROD_GUID])


def test_retry_after_honoured_on_429(emulator: Emulator) -> None:
    slept: list[float] = []
    c = client(emulator, sleep=slept.append)
    c.login()
    emulator.fail_next("export", 429, count=2, headers={"Retry-After": "3"})
    c.export_liveboards([PROD_GUID])
    assert slept == [3.0, 3.0]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_retried_on_reads(emulator: Emulator, status: int) -> None:
    c = client(emulator, sleep=lambda s: None)
    c.login()
    emulator.fail_next("export", status, count=2)
    c.export_liveboards([PROD_GUID])
    assert endpoints(emulator).count("export") == 3


def test_import_not_retried_on_5xx(emulator: Emulator) -> None:
    c = client(emulator, sleep=lambda s: None)
    c.login()
    emulator.fail_next("import", 503)
    with pytest.raises(ThoughtSpotError) as caught:
        c.import_tml(["{}"], "VALIDATE_ONLY")
    assert caught.value.status == 503
    assert endpoints(emulator).count("import") == 1


def test_import_retried_on_429(emulator: Emulator) -> None:
    c = client(emulator, sleep=lambda s: None)
    c.login()
    emulator.fail_next("import", 429)
    doc = tml.loads(c.export_liveboards([PROD_GUID])[PROD_GUID].edoc)
    (item,) = c.import_tml([tml.dumps(doc)], "VALIDATE_ONLY")
    assert item.status == "OK"
    assert endpoints(emulator).count("import") == 2


def test_rate_limit_storm_gives_up_bounded(emulator: Emulator) -> None:
    slept: list[float] = []
    c = client(emulator, sleep=slept.append, max_attempts=4)
    c.login()
    emulator.fail_next("export", 429, count=100, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited, match="rate-limited"):
        c.export_liveboards([PROD_GUID])
    assert endpoints(emulator).count("export") == 4
    assert sum(slept) <= 60


def test_retry_after_beyond_budget_gives_up_at_once(emulator: Emulator) -> None:
    slept: list[float] = []
    c = client(emulator, sleep=slept.append)
    c.login()
    emulator.fail_next("export", 429, count=5, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited):
        c.export_liveboards([PROD_GUID])
    assert slept == []


def test_server_error_not_retried(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    emulator.fail_next("export", 500)
    with pytest.raises(ThoughtSpotError) as caught:
        c.export_liveboards([PROD_GUID])
    assert caught.value.status == 500
    assert endpoints(emulator).count("export") == 1


def test_non_json_body(emulator: Emulator) -> None:
    c = client(emulator, sleep=lambda s: None, max_attempts=2)
    c.login()
    emulator.fail_next("export", 502, count=2, body="<html><b>Bad gateway</b></html>")
    with pytest.raises(ThoughtSpotError, match="Bad gateway") as caught:
        c.export_liveboards([PROD_GUID])
    assert caught.value.status == 502 and "<b>" not in str(caught.value)


def test_non_json_success_body(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    emulator.fail_next("export", 200, body="<html>maintenance</html>")
    with pytest.raises(ThoughtSpotError, match="unexpected response: maintenance"):
        c.export_liveboards([PROD_GUID])


def test_export_error_item_names_the_guid(emulator: Emulator) -> None:
    emulator.export_error(PROD_GUID, "Cannot download TML due to lack of access")
    c = client(emulator)
    c.login()
    with pytest.raises(ObjectError) as caught:
        c.export_liveboards([DEV_GUID, PROD_GUID], labels={PROD_GUID: "prod"})
    assert f"prod liveboard {PROD_GUID}: Cannot download TML" in str(caught.value)
    assert DEV_GUID not in str(caught.value)


@pytest.mark.parametrize("mode", ["missing", "empty"])
def test_export_without_edoc(emulator: Emulator, mode: str) -> None:
    emulator.export_edoc(PROD_GUID, mode)
    c = client(emulator)
    c.login()
    with pytest.raises(ObjectError, match="holds no TML"):
        c.export_liveboards([PROD_GUID])


def test_import_error_item_parsed(emulator: Emulator) -> None:
    emulator.import_error(
        PROD_GUID, "Table <b>X</b> not found.<br/>Create it.", code=14502
    )
    c = client(emulator)
    c.login()
    doc = tml.loads(c.export_liveboards([PROD_GUID])[PROD_GUID].edoc)
    (item,) = c.import_tml([tml.dumps(doc)], "ALL_OR_NONE")
    assert (item.status, item.code) == ("ERROR", 14502)
    assert item.message == "Table X not found.\nCreate it."


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = Client(f"http://127.0.0.1:{port}", ADMIN, password="x", sleep=lambda s: None)
    with pytest.raises(ConnectionFailed, match="Connection refused"):
        c.login()
    assert c.requests_made == 5  # retried, then gave up


def test_read_timeout(emulator: Emulator) -> None:
    emulator.set_latency(1.0, endpoint="auth")
    c = client(emulator, timeout=0.2, sleep=lambda s: None, max_attempts=2)
    with pytest.raises(ConnectionFailed, match="timeout"):
        c.login()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"error": {"message": {"code": 10097, "debug": "Invalid credentials"}}},
            10097,
            "Invalid credentials",
        ),
        (
            {
                "error": {
                    "message": {"debug": {"code": 10002, "debug": '["One","","Two"]'}}
                }
            },
            10002,
            "One; Two",
        ),
        ({"error": {"message": "plain text"}}, None, "plain text"),
        ("not json at all", None, "not json at all"),
        ("", None, "empty response"),
    ],
)
def test_parse_error_body(body: object, code: int | None, message: str) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    assert parse_error_body(text) == (code, message)


def test_clean_message() -> None:
    assert clean_message("A <b>bold</b> &amp; <br/>new line") == "A bold & \nnew line"


def test_every_new_token_is_handed_over_for_masking(emulator: Emulator) -> None:
    seen: list[str] = []
    c = client(emulator, on_token=seen.append)
    c.login()
    emulator.expire_tokens()
    c.export_liveboards([PROD_GUID])
    assert len(seen) == 2 and seen[-1] == c.token and seen[0] != seen[1]


def test_own_secret_scrubbed_from_server_text_before_it_is_cut(
    emulator: Emulator,
) -> None:
    c = client(emulator, sleep=lambda s: None, max_attempts=1)
    c.login()
    # A server echoing the credential near the 300-character cut: a cut secret
    # would no longer match any mask.
    body = "x" * 295 + SECRET_KEY + ' {"k": "' + json.dumps(SECRET_KEY)[1:-1] + '"}'
    emulator.fail_next("export", 502, body=body)
    with pytest.raises(ThoughtSpotError) as caught:
        c.export_liveboards([PROD_GUID])
    assert SECRET_KEY[:6] not in str(caught.value)


def test_tls_failure_names_its_cause(tmp_path) -> None:
    # A plain-HTTP server spoken to over https: the reason says so.
    emu = Emulator()
    emu.add_user(ADMIN, secret_key=SECRET_KEY)
    with emu.start():
        url = emu.url.replace("http://", "https://")
        with pytest.raises(ConnectionFailed) as caught:
            Client(url, ADMIN, secret_key=SECRET_KEY, sleep=lambda s: None).login()
    assert "TLS" in str(caught.value) or "http://" in str(caught.value)


def test_redirect_not_followed(emulator: Emulator) -> None:
    emulator.fail_next(
        "auth", 307, headers={"Location": "http://127.0.0.1:9/elsewhere"}
    )
    with pytest.raises(
        ThoughtSpotError, match=re.escape("redirects to http://127.0.0.1:9/elsewhere")
    ):
        client(emulator).login()
    assert endpoints(emulator) == ["auth"]


@pytest.mark.parametrize("status", [400, 404, 405, 501])
def test_views_listing_unsupported_is_none(emulator: Emulator, status: int) -> None:
    c = client(emulator)
    c.login()
    emulator.fail_next("search", status)
    assert c.liveboard_views([PROD_GUID]) is None


def test_views_listing_lists_private_views_of_others(emulator: Emulator) -> None:
    c = client(emulator)
    c.login()
    listing = c.liveboard_views([PROD_GUID])
    assert [v["view_name"] for v in listing[PROD_GUID]] == [
        "East region", "My accounts", "Q3 review",
    ]  # fmt: skip
