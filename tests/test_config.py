"""Inputs validated once, at the edge, with errors naming the input as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import config
from sync.config import ConfigError

DEV = "aaaaaaaa-0000-4000-8000-000000000001"
PROD = "bbbbbbbb-0000-4000-8000-000000000002"


def env(**inputs: str) -> dict[str, str]:
    base = {
        "host": "https://example.thoughtspot.cloud",
        "username": "admin",
        "secret-key": "sk-123456",
        "dev-liveboard-guid": DEV,
        "prod-liveboard-guid": PROD,
    }
    base.update(inputs)
    return {f"INPUT_{k.upper()}": v for k, v in base.items()}


def test_defaults(tmp_path: Path) -> None:
    settings = config.load(env(), workspace=tmp_path)
    assert settings.host == "https://example.thoughtspot.cloud"
    assert settings.policy.dev_views == "drop"
    assert settings.policy.stale_filters == "prune"
    assert settings.policy.keep_prod_name is True
    assert (settings.dry_run, settings.verify, settings.tls_verify) == (
        False,
        True,
        True,
    )
    assert settings.backup_dir == tmp_path / "thoughtspot-backup"
    assert settings.timeout == 120
    assert settings.prod.org_id is None
    assert settings.dev == settings.prod and settings.same_connection
    assert settings.view_upsert is False and settings.guid_mapping is None


def test_trailing_slash_and_case_insensitive_booleans(tmp_path: Path) -> None:
    settings = config.load(
        env(
            host="https://x.thoughtspot.cloud/",
            **{"dry-run": "TRUE", "verify": "False"},
        ),
        workspace=tmp_path,
    )
    assert settings.host == "https://x.thoughtspot.cloud"
    assert settings.dry_run is True and settings.verify is False


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"dry-run": "yes"}, "input 'dry-run': expected true or false, got 'yes'"),
        ({"host": ""}, "required input missing: 'host'"),
        ({"secret-key": ""}, "give one of 'secret-key' or 'password'"),
        ({"dev-views": "maybe"}, "input 'dev-views': expected one of drop, keep"),
        ({"stale-filters": "prun"}, "got 'prun'"),
        ({"org-id": "first"}, "input 'org-id': expected an integer"),
        ({"timeout": "0"}, "input 'timeout'"),
        ({"prod-liveboard-guid": "not-a-guid"}, "input 'prod-liveboard-guid'"),
        ({"prod-liveboard-guid": DEV.upper()}, "are the same"),
        ({"backup-dir": "../outside"}, "input 'backup-dir'"),
        ({"ca-bundle": "nope.pem"}, "input 'ca-bundle': no file at 'nope.pem'"),
        ({"host": "ftp://x"}, "input 'host'"),
    ],
)
def test_errors_name_the_input(tmp_path: Path, inputs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        config.load(env(**inputs), workspace=tmp_path)
    assert message in str(caught.value)


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(env(**{"dry-run": "1", "verify": "2"}), workspace=tmp_path)
    assert "'dry-run'" in str(caught.value) and "'verify'" in str(caught.value)


def test_legacy_ts_variables_fill_missing_inputs(tmp_path: Path) -> None:
    settings = config.load(
        {
            "TS_HOST": "https://legacy.example",
            "TS_USERNAME": "u",
            "TS_SECRET_KEY": "sk-legacy",
            "TS_LIVEBOARD_GUID_DEV": DEV,
            "TS_LIVEBOARD_GUID_PROD": PROD,
            "INPUT_HOST": "",  # the runner passes undeclared inputs as empty
        },
        workspace=tmp_path,
    )
    assert (settings.host, settings.prod.secret_key) == (
        "https://legacy.example",
        "sk-legacy",
    )
    (pair,) = settings.pairs
    assert (pair.dev_guid, pair.prod_guid) == (DEV, PROD)


def test_input_wins_over_legacy_variable(tmp_path: Path) -> None:
    environ = {**env(), "TS_HOST": "https://legacy.example"}
    assert config.load(environ, workspace=tmp_path).host.startswith("https://example")


def test_flags_win_over_variables(tmp_path: Path) -> None:
    settings = config.load(env(), overrides={"dev-views": "keep"}, workspace=tmp_path)
    assert settings.policy.dev_views == "keep"


def test_ca_bundle_relative_to_workspace(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    settings = config.load(env(**{"ca-bundle": "ca.pem"}), workspace=tmp_path)
    assert settings.tls_verify == str(tmp_path / "ca.pem")


def test_secrets_found_even_when_config_is_invalid() -> None:
    environ = env(password="pw-hunter2", **{"dry-run": "nonsense"})
    assert sorted(config.secrets_in(environ)) == ["pw-hunter2", "sk-123456"]


PROD2 = "cccccccc-0000-4000-8000-000000000003"
DEV2 = "dddddddd-0000-4000-8000-000000000004"


def test_liveboards_lines_in_every_separator(tmp_path: Path) -> None:
    text = f"""
    # release 12
    {DEV} {PROD}
    {DEV2}->{PROD2.upper()}   # trailing comment

    {DEV}: eeeeeeee-0000-4000-8000-000000000005
    """
    settings = config.load(
        env(
            **{"dev-liveboard-guid": "", "prod-liveboard-guid": "", "liveboards": text}
        ),
        workspace=tmp_path,
    )
    assert [(p.dev_guid, p.prod_guid) for p in settings.pairs] == [
        (DEV, PROD),
        (DEV2, PROD2),
        (DEV, "eeeeeeee-0000-4000-8000-000000000005"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{DEV} {PROD}\n\n{DEV}", "line 3: expected 'dev prod'"),
        (f"{DEV} {PROD}\nnot-a-guid {PROD2}", "line 2: expected a GUID"),
        (f"{DEV} {PROD}\n{DEV2} {PROD}", f"prod liveboard {PROD} is named twice"),
        (f"{DEV} {PROD}\n{PROD} {PROD2}", "both a dev source and a prod target"),
        ("# only a comment", "no liveboard pairs"),
    ],
)
def test_liveboards_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(
            env(
                **{
                    "dev-liveboard-guid": "",
                    "prod-liveboard-guid": "",
                    "liveboards": text,
                }
            ),
            workspace=tmp_path,
        )
    assert "input 'liveboards'" in str(caught.value) and message in str(caught.value)


def test_liveboards_and_the_guid_inputs_together_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="either 'liveboards' or"):
        config.load(env(liveboards=f"{DEV} {PROD2}"), workspace=tmp_path)


def test_dev_tml_file_from_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "tml").mkdir()
    (tmp_path / "tml" / "dev board.liveboard.tml").write_text(
        "guid: 11111111-0000-4000-8000-000000000001\nliveboard:\n  name: D\n"
        "  filters:\n  - column: [Region]\n    oper: =\n"
    )
    settings = config.load(
        env(**{"dev-liveboard-guid": "tml/dev board.liveboard.tml"}), workspace=tmp_path
    )
    (pair,) = settings.pairs
    assert pair.dev_guid is None and pair.dev_path == "tml/dev board.liveboard.tml"
    assert pair.dev_document["liveboard"]["filters"][0]["oper"] == "="
    with pytest.raises(ConfigError, match=r"cannot read the dev TML file 'nope\.tml'"):
        config.load(env(**{"dev-liveboard-guid": "nope.tml"}), workspace=tmp_path)
    with pytest.raises(ConfigError, match="inside the workspace"):
        config.load(env(**{"dev-liveboard-guid": "../x.tml"}), workspace=tmp_path)


def test_dev_connection_defaults_to_prod_field_by_field(tmp_path: Path) -> None:
    only_org = config.load(
        env(**{"org-id": "2", "dev-org-id": "1"}), workspace=tmp_path
    )
    assert only_org.dev.org_id == 1 and only_org.prod.org_id == 2
    assert only_org.dev.host == only_org.prod.host
    assert only_org.dev.secret_key == "sk-123456"
    assert not only_org.same_connection and not only_org.same_cluster_and_org

    other = config.load(
        env(**{"dev-host": "https://dev.example/", "dev-username": "d",
               "dev-password": "pw-dev"}),
        workspace=tmp_path,
    )  # fmt: skip
    assert other.dev.host == "https://dev.example" and other.dev.username == "d"
    # a dev credential of its own replaces both of prod's
    assert (other.dev.password, other.dev.secret_key) == ("pw-dev", None)


def test_dev_secrets_are_masked_too() -> None:
    environ = env(**{"dev-secret-key": "sk-dev-999", "dev-password": "pw-dev-999"})
    assert {"sk-dev-999", "pw-dev-999"} <= set(config.secrets_in(environ))


D1, P1 = DEV2, PROD2


@pytest.mark.parametrize(
    "content",
    [
        f'[{{"originalGuid": "{D1}", "mappedGuid": "{P1}", "counter": 1, "additionalMapping": {{}}}}]',
        f'{{"mapping": {{"{D1}": "{P1}"}}}}',
        f'{{"{D1.upper()}": "{P1}"}}',
    ],
)
def test_guid_mapping_formats(tmp_path: Path, content: str) -> None:
    (tmp_path / "map.json").write_text(content)
    settings = config.load(env(**{"guid-mapping": "map.json"}), workspace=tmp_path)
    assert settings.guid_mapping == {D1: P1}


def test_guid_mapping_errors(tmp_path: Path) -> None:
    (tmp_path / "words.json").write_text('{"Sales": "Purchases"}')
    with pytest.raises(ConfigError, match="both sides must be GUIDs"):
        config.load(env(**{"guid-mapping": "words.json"}), workspace=tmp_path)
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="input 'guid-mapping': item 0"):
        config.load(env(**{"guid-mapping": "bad.json"}), workspace=tmp_path)
    with pytest.raises(ConfigError, match="input 'guid-mapping': cannot read it"):
        config.load(env(**{"guid-mapping": "missing.json"}), workspace=tmp_path)


def test_host_password_with_a_slash_is_masked_and_not_echoed(tmp_path: Path) -> None:
    host = "https://admin:pa/ss_w0rd@x.thoughtspot.cloud"
    assert "pa/ss_w0rd" in config.secrets_in(env(host=host))
    with pytest.raises(ConfigError) as caught:
        config.load(env(host=host), workspace=tmp_path)
    assert "must not hold a user name or password" in str(caught.value)
    assert "pa/ss" not in str(caught.value)


def test_symlink_out_of_the_workspace_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "dev.liveboard.tml").write_text("guid: x\nliveboard:\n  name: N\n")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "link.tml").symlink_to(outside / "dev.liveboard.tml")
    (workspace / "map.json").symlink_to(outside / "dev.liveboard.tml")
    with pytest.raises(ConfigError, match="must be inside the workspace"):
        config.load(env(**{"dev-liveboard-guid": "link.tml"}), workspace=workspace)
    with pytest.raises(ConfigError, match="leads outside the workspace"):
        config.load(env(**{"guid-mapping": "map.json"}), workspace=workspace)


def test_same_guid_allowed_when_dev_is_another_cluster(tmp_path: Path) -> None:
    inputs = {"prod-liveboard-guid": DEV, "dev-host": "https://dev.example"}
    (pair,) = config.load(env(**inputs), workspace=tmp_path).pairs
    assert pair.dev_guid == pair.prod_guid == DEV
    with pytest.raises(ConfigError, match=r"are the same|same liveboard"):
        config.load(env(**{"prod-liveboard-guid": DEV}), workspace=tmp_path)


def test_hash_inside_a_file_name_is_not_a_comment(tmp_path: Path) -> None:
    (tmp_path / "sales #1.liveboard.tml").write_text("guid: x\nliveboard:\n  name: N\n")
    text = (
        f"sales #1.liveboard.tml -> {PROD}   # the first one\n{DEV} {PROD2}  # second"
    )
    settings = config.load(
        env(
            **{"dev-liveboard-guid": "", "prod-liveboard-guid": "", "liveboards": text}
        ),
        workspace=tmp_path,
    )
    assert [(p.dev_path, p.prod_guid) for p in settings.pairs] == [
        ("sales #1.liveboard.tml", PROD),
        (None, PROD2),
    ]
