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
    assert settings.org_id is None


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
    assert (settings.host, settings.secret_key) == (
        "https://legacy.example",
        "sk-legacy",
    )
    assert (settings.dev_guid, settings.prod_guid) == (DEV, PROD)


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
