"""entrypoint.py started as the runner starts it, against the emulator.

Each test checks the exit code, the ::error/::warning lines, the outputs, the
summary, and what the emulator holds afterwards.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from actionrun import ENTRYPOINT, FIXTURES, ActionRun, assert_no_secrets, run_action
from conftest import (
    ADMIN,
    DEV_GUID,
    ONE_CLUSTER_REQUESTS,
    PASSWORD,
    PROD_GUID,
    SECRET_KEY,
    Promote,
    issued_tokens,
)
from tsemulator import Emulator

from sync import tml

PROD_VIEWS = ["East region", "My accounts", "Q3 review"]


def stored_views(emu: Emulator, guid: str = PROD_GUID) -> list[str]:
    doc = emu.get_liveboard(guid)
    assert doc is not None
    return [v["name"] for v in tml.views(doc)]


def stored_name(emu: Emulator, guid: str) -> str:
    doc = emu.get_liveboard(guid)
    assert doc is not None
    return tml.body(doc)["name"]


def visualizations(emu: Emulator, guid: str) -> list[str]:
    doc = emu.get_liveboard(guid)
    assert doc is not None
    return [v["id"] for v in tml.body(doc)["visualizations"]]


def assert_prod_unchanged(emu: Emulator, before: dict) -> None:
    assert emu.get_liveboard(PROD_GUID) == before


def test_views_carried(promote: Promote, emulator: Emulator) -> None:
    dev_before = emulator.get_liveboard(DEV_GUID)
    prod_before = emulator.get_liveboard(PROD_GUID)

    run = promote()

    assert run.returncode == 0, run.stdout
    assert run.errors == []
    assert any("My accounts" in w and "Sales Channel" in w for w in run.warnings)
    assert len(run.warnings) == 1
    # prod now has dev's content, prod's name, and every prod view
    assert stored_views(emulator) == PROD_VIEWS
    assert visualizations(emulator, PROD_GUID) == ["Viz_1", "Viz_2", "Viz_3", "Viz_4"]
    assert stored_name(emulator, PROD_GUID) == "Sales Overview (Prod)"
    assert emulator.get_liveboard(DEV_GUID) == dev_before
    # the pruned filter is gone from that view only
    views = {v["name"]: v for v in tml.views(emulator.get_liveboard(PROD_GUID))}
    columns = [f["column"] for f in views["My accounts"]["view_filters"]]
    assert ["Sales Channel"] not in columns and ["Region"] in columns
    assert views["East region"]["view_parameters"][0]["override_value"] == "EUR"

    assert run.outputs["views-carried"] == "3"
    assert run.outputs["views-dropped"] == "1"
    assert run.outputs["filters-pruned"] == "1"
    backup_dir = Path(run.outputs["backup-dir"])
    assert (
        backup_dir.is_absolute() and backup_dir == run.workspace / "thoughtspot-backup"
    )
    backup = backup_dir / f"{PROD_GUID}.liveboard.tml"
    assert tml.loads(backup.read_text()) == prod_before
    report = json.loads(run.outputs["report"])
    assert report["outcome"] == "success" and report["prod"] == "changed"
    (board,) = report["liveboards"]
    assert [(v["name"], v["result"]) for v in board["views"]] == [
        ("East region", "carried"),
        ("My accounts", "carried"),
        ("Q3 review", "carried"),
        ("dev test", "dropped"),
    ]

    assert "## ✅ ThoughtSpot view sync: 3 views carried into prod" in run.summary
    assert "Checked after import: 3 of 3 views present." in run.summary
    assert f"{emulator.url}/#/pinboard/{PROD_GUID}?view=c0ffee00" in run.summary
    assert "1 filter pruned: `Sales Channel`" in run.summary
    assert "`dev-views: keep`" in run.summary
    assert [r.endpoint for r in emulator.requests] == ONE_CLUSTER_REQUESTS
    assert len({r.headers.get("User-Agent") for r in emulator.requests}) == 1


def test_import_is_all_or_none_with_prod_guid(
    promote: Promote, emulator: Emulator
) -> None:
    promote()
    (request,) = [r for r in emulator.requests if r.endpoint == "import"]
    assert request.body["import_policy"] == "ALL_OR_NONE"
    (sent,) = request.body["metadata_tmls"]
    doc = tml.loads(sent)
    assert doc["guid"] == PROD_GUID and "obj_id" not in doc


def test_prod_without_views_key(emulator: Emulator, tmp_path: Path) -> None:
    prod = tml.loads((FIXTURES / "sales" / "prod.liveboard.tml").read_text())
    prod["guid"] = "cccccccc-0000-4000-8000-000000000003"
    del prod["liveboard"]["views"]
    emulator.load_liveboard(prod)
    promote = Promote(emulator, tmp_path)

    run = promote(prod_liveboard_guid=prod["guid"])

    assert run.returncode == 0, run.stdout
    assert run.outputs["views-carried"] == "0"
    assert stored_views(emulator, prod["guid"]) == []
    assert "Prod has no personalized views" in run.summary
    assert visualizations(emulator, prod["guid"])[-1] == "Viz_4"


def test_password_instead_of_secret_key(promote: Promote, emulator: Emulator) -> None:
    run = promote(secret_key="", password=PASSWORD)
    assert run.returncode == 0, run.stdout
    (auth,) = [r for r in emulator.requests if r.endpoint == "auth"]
    assert "secret_key" not in auth.body and auth.body["username"] == ADMIN
    assert stored_views(emulator) == PROD_VIEWS


def test_dev_only_view_kept(promote: Promote, emulator: Emulator) -> None:
    run = promote(dev_views="keep")
    assert run.returncode == 0, run.stdout
    assert stored_views(emulator) == [*PROD_VIEWS, "dev test"]
    assert run.outputs["views-dropped"] == "0"
    assert run.outputs["views-carried"] == "3"


def test_dev_only_view_dropped(promote: Promote, emulator: Emulator) -> None:
    run = promote(dev_views="drop")
    assert run.returncode == 0
    assert "dev test" not in stored_views(emulator)
    assert run.outputs["views-dropped"] == "1"
    assert "dropped: exists only in dev" in run.summary


def test_stale_filter_keep(promote: Promote, emulator: Emulator) -> None:
    run = promote(stale_filters="keep")
    assert run.returncode == 0, run.stdout
    assert run.warnings == []
    assert run.outputs["filters-pruned"] == "0"
    views = {v["name"]: v for v in tml.views(emulator.get_liveboard(PROD_GUID))}
    assert ["Sales Channel"] in [
        f["column"] for f in views["My accounts"]["view_filters"]
    ]


def test_stale_filter_fail(promote: Promote, emulator: Emulator) -> None:
    before = emulator.get_liveboard(PROD_GUID)
    run = promote(stale_filters="fail")
    assert run.returncode == 1
    (error,) = run.errors
    assert "My accounts" in error and "Sales Channel" in error
    assert_prod_unchanged(emulator, before)
    assert "import" not in [r.endpoint for r in emulator.requests]
    assert "prod unchanged" in run.summary


def test_bad_credentials(promote: Promote, emulator: Emulator) -> None:
    before = emulator.get_liveboard(PROD_GUID)
    run = promote(secret_key="sk-wrong-key-000")
    assert run.returncode == 1
    (error,) = run.errors
    assert "sign-in" in error.lower() and emulator.url in error and "401" in error
    assert "Traceback" not in run.stdout + run.stderr
    assert_prod_unchanged(emulator, before)
    assert "❌ ThoughtSpot view sync failed: prod unchanged" in run.summary


def test_unknown_prod_guid(promote: Promote, emulator: Emulator) -> None:
    unknown = "deadbeef-0000-4000-8000-00000000dead"
    run = promote(prod_liveboard_guid=unknown)
    assert run.returncode == 1
    (error,) = run.errors
    assert unknown in error and "prod liveboard" in error
    assert emulator.get_liveboard(unknown) is None
    assert "import" not in [r.endpoint for r in emulator.requests]


def test_unknown_prod_guid_answered_with_http_400(
    promote: Promote, emulator: Emulator
) -> None:
    emulator.unknown_guid_export = "http_400"
    unknown = "deadbeef-0000-4000-8000-00000000dead"
    run = promote(prod_liveboard_guid=unknown)
    assert run.returncode == 1
    (error,) = run.errors
    assert unknown in error and "HTTP 400" in error
    assert "prod unchanged" in run.summary


def test_secret_echoed_by_the_server_never_reaches_the_summary(
    emulator: Emulator, tmp_path: Path
) -> None:
    # Markdown escaping would turn `_` and `*` into `\_` and `\*`; the
    # secret must be redacted before that.
    secret = "sk_under*score_12|34"
    emulator.add_user("odd.admin", secret_key=secret)
    emulator.import_error(PROD_GUID, f"key {secret} not allowed")
    run = Promote(emulator, tmp_path)(username="odd.admin", secret_key=secret)
    assert run.returncode == 1
    assert "key *** not allowed" in run.errors[0]
    assert "under" not in run.summary and "under" not in run.outputs["report"]


def test_import_error_item(promote: Promote, emulator: Emulator) -> None:
    before = emulator.get_liveboard(PROD_GUID)
    emulator.import_error(
        PROD_GUID, "Referenced table with name <b>Sales</b> not found.<br/>Check it."
    )
    run = promote()
    assert run.returncode == 1
    (error,) = run.errors
    assert "Referenced table with name Sales not found." in error
    assert "<b>" not in error and "\nCheck it." in error
    assert_prod_unchanged(emulator, before)
    assert "prod unchanged" in run.summary
    assert (
        run.workspace / "thoughtspot-backup" / f"{PROD_GUID}.liveboard.tml"
    ).is_file()


def test_rate_limited_then_success(promote: Promote, emulator: Emulator) -> None:
    emulator.fail_next("export", 429, count=2, headers={"Retry-After": "0"})
    run = promote()
    assert run.returncode == 0, run.stdout
    # retries are logged as plain lines, not annotations: no warning spam
    assert run.stdout.count("HTTP 429, retrying") == 2
    assert run.warnings == [w for w in run.warnings if "429" not in w]
    assert stored_views(emulator) == PROD_VIEWS


def test_import_that_loses_views_is_caught_and_prod_restored(
    promote: Promote, emulator: Emulator
) -> None:
    before = emulator.get_liveboard(PROD_GUID)
    emulator.lose_views_on_import()
    run = promote()
    assert run.returncode == 1
    (error,) = run.errors
    assert "3 of 3 carried view(s) are missing" in error
    assert "Prod was restored from the backup" in error
    assert "prod changed, then restored from backup" in run.summary
    report = json.loads(run.outputs["report"])
    assert (
        report["prod"] == "restored from backup" and report["error"]["step"] == "verify"
    )
    assert_prod_unchanged(emulator, before)
    imports = [r for r in emulator.requests if r.endpoint == "import"]
    assert len(imports) == 2  # the promotion, then the backup


def test_import_that_loses_views_without_restore(
    promote: Promote, emulator: Emulator
) -> None:
    emulator.lose_views_on_import()
    run = promote(restore_on_failure="false")
    assert run.returncode == 1
    (error,) = run.errors
    assert "3 of 3 carried view(s) are missing" in error
    assert "thoughtspot-backup" in error and "mode: restore" in error
    assert "prod changed: restore it from the backup" in run.summary
    assert stored_views(emulator) == []


def test_restore_that_fails_too_says_so(promote: Promote, emulator: Emulator) -> None:
    emulator.lose_views_on_import(count=2)  # the promotion and the restore
    run = promote()
    assert run.returncode == 1
    (error,) = run.errors
    assert "Restoring the backup failed too" in error
    assert "prod changed and could not be restored" in run.summary


def test_dev_liveboard_with_obj_id(emulator: Emulator, tmp_path: Path) -> None:
    dev = tml.loads((FIXTURES / "sales" / "dev.liveboard.tml").read_text())
    dev["obj_id"] = "sales-overview"
    emulator.load_liveboard(dev)
    dev_before = emulator.get_liveboard(DEV_GUID)
    run = Promote(emulator, tmp_path)()
    assert run.returncode == 0, run.stdout
    assert emulator.get_liveboard(DEV_GUID) == dev_before
    assert stored_views(emulator) == PROD_VIEWS
    assert visualizations(emulator, PROD_GUID)[-1] == "Viz_4"


def test_trailing_slash_on_host(promote: Promote, emulator: Emulator) -> None:
    run = promote(host=emulator.url + "/")
    assert run.returncode == 0, run.stdout
    assert all("//api" not in r.path for r in emulator.requests)


def test_dry_run(promote: Promote, emulator: Emulator) -> None:
    before = emulator.get_liveboard(PROD_GUID)
    run = promote(dry_run="true")
    assert run.returncode == 0, run.stdout
    assert_prod_unchanged(emulator, before)
    (request,) = [r for r in emulator.requests if r.endpoint == "import"]
    assert request.body["import_policy"] == "VALIDATE_ONLY"
    assert "Dry run: 3 views would be carried; prod unchanged" in run.summary
    assert json.loads(run.outputs["report"])["outcome"] == "dry-run"


def test_missing_required_input(promote: Promote, emulator: Emulator) -> None:
    run = promote(prod_liveboard_guid="")
    assert run.returncode == 1
    (error,) = run.errors
    assert "'prod-liveboard-guid'" in error
    assert emulator.requests == []
    assert "prod unchanged" in run.summary


def test_dev_guid_equal_to_prod_guid(promote: Promote, emulator: Emulator) -> None:
    run = promote(dev_liveboard_guid=PROD_GUID)
    assert run.returncode == 1
    assert "are the same" in run.errors[0]
    assert emulator.requests == []


def test_non_boolean_boolean(promote: Promote, emulator: Emulator) -> None:
    run = promote(dry_run="yes please")
    assert run.returncode == 1
    assert "input 'dry-run': expected true or false, got 'yes please'" in run.errors[0]
    assert emulator.requests == []


def test_ts_variables_alone(emulator: Emulator, tmp_path: Path) -> None:
    run = run_action(
        tmp_path / "ws",
        {},
        declare_defaults=False,
        env={
            "TS_HOST": emulator.url,
            "TS_USERNAME": ADMIN,
            "TS_SECRET_KEY": SECRET_KEY,
            "TS_LIVEBOARD_GUID_DEV": DEV_GUID,
            "TS_LIVEBOARD_GUID_PROD": PROD_GUID,
        },
    )
    assert run.returncode == 0, run.stdout
    assert stored_views(emulator) == PROD_VIEWS
    assert_no_secrets(run, [SECRET_KEY, *issued_tokens(emulator)])


def test_ts_variables_without_file_commands_print_summary(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TS_HOST": emulator.url,
        "TS_USERNAME": ADMIN,
        "TS_SECRET_KEY": SECRET_KEY,
        "TS_LIVEBOARD_GUID_DEV": DEV_GUID,
        "TS_LIVEBOARD_GUID_PROD": PROD_GUID,
    }
    done = subprocess.run(
        [sys.executable, str(ENTRYPOINT), "--dry-run", "true"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert "Dry run: 3 views would be carried" in done.stdout
    assert "output views-carried=3" in done.stdout
    assert "::set-output" not in done.stdout


def test_prod_keeps_dev_name_when_asked(promote: Promote, emulator: Emulator) -> None:
    run = promote(keep_prod_name="false")
    assert run.returncode == 0
    assert stored_name(emulator, PROD_GUID) == "Sales Overview"


SHARED_TML = Path(__file__).resolve().parents[2] / "shared" / "tml"


@pytest.mark.skipif(
    not SHARED_TML.is_dir(), reason="../shared/tml is not beside the checkout"
)
@pytest.mark.parametrize(
    "name",
    ["app-adoption.liveboard.tml", "service-desk.liveboard.tml", "dummy.pinboard.tml"],
)
def test_real_export_promoted_end_to_end(
    emulator: Emulator, tmp_path: Path, name: str
) -> None:
    prod_text = (SHARED_TML / name).read_text(encoding="utf-8")
    prod_guid = emulator.load_liveboard(prod_text)
    prod_views = tml.views(emulator.get_liveboard(prod_guid))
    dev = tml.loads(prod_text)
    dev["guid"] = "eeeeeeee-0000-4000-8000-00000000000e"
    dev[tml.body_key(dev)]["name"] = "Edited in dev"
    dev[tml.body_key(dev)].pop("views", None)
    dev[tml.body_key(dev)]["description"] = "new in dev"
    emulator.load_liveboard(dev)

    run = Promote(emulator, tmp_path)(
        dev_liveboard_guid=dev["guid"], prod_liveboard_guid=prod_guid
    )

    assert run.returncode == 0, run.stdout
    stored = emulator.get_liveboard(prod_guid)
    assert tml.views(stored) == prod_views
    assert tml.body(stored)["description"] == "new in dev"
    assert tml.body(stored)["name"] == tml.body(tml.loads(prod_text))["name"]
    assert run.outputs["views-carried"] == str(len(prod_views))


def test_views_hidden_from_the_export_stop_the_run(
    promote: Promote, emulator: Emulator
) -> None:
    # Li's private view is not in the admin's export; importing would delete it.
    emulator.hide_other_users_private_views = True
    before = emulator.get_liveboard(PROD_GUID)
    run = promote()
    assert run.returncode == 1
    (error,) = run.errors
    assert "1 view(s)" in error and "'My accounts' (private, by li)" in error
    assert "allow-view-loss" in error
    assert_prod_unchanged(emulator, before)
    assert "import" not in [r.endpoint for r in emulator.requests]
    assert "prod unchanged" in run.summary


def test_views_hidden_from_the_export_allowed(
    promote: Promote, emulator: Emulator
) -> None:
    emulator.hide_other_users_private_views = True
    run = promote(allow_view_loss="true")
    assert run.returncode == 0, run.stdout
    assert any("'My accounts'" in w and "allow-view-loss" in w for w in run.warnings)
    assert stored_views(emulator) == ["East region", "Q3 review"]
    assert "Not in the export, so not carried: `My accounts`" in run.summary
    assert json.loads(run.outputs["report"])["liveboards"][0]["hidden"] == [
        "My accounts"
    ]


@pytest.mark.parametrize("support", ["http_400", "absent"])
def test_cluster_without_the_views_listing(
    promote: Promote, emulator: Emulator, support: str
) -> None:
    emulator.personalised_views_support = support
    run = promote()
    assert run.returncode == 0, run.stdout
    notices = run.commands("notice")
    assert len(notices) == 1 and "check is skipped" in notices[0]
    assert stored_views(emulator) == PROD_VIEWS


def test_uppercase_guids_accepted(promote: Promote, emulator: Emulator) -> None:
    run = promote(
        dev_liveboard_guid=DEV_GUID.upper(), prod_liveboard_guid=PROD_GUID.upper()
    )
    assert run.returncode == 0, run.stdout
    assert stored_views(emulator) == PROD_VIEWS


def test_host_with_a_password_refused_without_echoing_it(
    promote: Promote, emulator: Emulator
) -> None:
    url = emulator.url.replace("http://", "http://admin:hunter2hunter2@")
    run = promote(host=url)
    assert run.returncode == 1
    assert "must not hold a user name or password" in run.errors[0]
    assert "hunter2hunter2" not in run.stdout.replace("::add-mask::hunter2hunter2", "")
    assert "hunter2hunter2" not in run.summary
    assert emulator.requests == []


def test_rerun_keeps_the_earlier_backup(promote: Promote, emulator: Emulator) -> None:
    """A failed verification points at the backup; a second run in the same
    workspace must not overwrite that only good copy."""
    original = emulator.get_liveboard(PROD_GUID)
    emulator.lose_views_on_import()
    first = promote(restore_on_failure="false")
    assert first.returncode == 1
    workspace = first.workspace
    second = run_action(workspace, promote.base_inputs())
    assert second.returncode == 0, second.stdout
    backups = sorted((workspace / "thoughtspot-backup").iterdir())
    assert len(backups) == 2
    assert [tml.loads(p.read_text()) == original for p in backups].count(True) == 1


def test_verification_export_failing_is_not_called_damage(
    promote: Promote, emulator: Emulator
) -> None:
    emulator.fail_next("export", 500, skip=1)  # only the export after the import
    run = promote()
    assert run.returncode == 1
    (error,) = run.errors
    assert "the import was done, but prod could not be read back" in error
    assert "ThoughtSpot view sync failed: prod changed but could not be checked" in (
        run.summary
    )
    assert "restore it from the backup" not in run.summary
    assert stored_views(emulator) == PROD_VIEWS


def test_cancelled_during_import(emulator: Emulator, tmp_path: Path) -> None:
    emulator.set_latency(3.0, endpoint="import")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    summary = tmp_path / "summary"
    summary.write_text("")
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_HOST": emulator.url,
        "INPUT_USERNAME": ADMIN,
        "INPUT_SECRET-KEY": SECRET_KEY,
        "INPUT_DEV-LIVEBOARD-GUID": DEV_GUID,
        "INPUT_PROD-LIVEBOARD-GUID": PROD_GUID,
    }
    proc = subprocess.Popen(
        [sys.executable, str(ENTRYPOINT)],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while "import" not in [r.endpoint for r in emulator.requests]:
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    errors = [line for line in stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "cancelled during import" in errors[0]
    assert "prod may have changed" in summary.read_text()


def test_unknown_flag_exits_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ENTRYPOINT), "--no-such-flag"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "::error" in done.stderr and "--no-such-flag" in done.stderr


def test_unwritable_summary_file_is_one_clear_error(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "no-such-dir" / "summary"),
        "INPUT_HOST": emulator.url,
        "INPUT_USERNAME": ADMIN,
        "INPUT_SECRET-KEY": SECRET_KEY,
        "INPUT_DEV-LIVEBOARD-GUID": DEV_GUID,
        "INPUT_PROD-LIVEBOARD-GUID": PROD_GUID,
    }
    done = subprocess.run(
        [sys.executable, str(ENTRYPOINT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    errors = [ln for ln in done.stdout.splitlines() if ln.startswith("::error")]
    assert len(errors) == 1 and "Prod changed" in errors[0]
    assert "Traceback" not in done.stdout + done.stderr


def _backup_of_prod(emulator: Emulator, workspace: Path) -> Path:
    """Prod's TML saved as a backup file, then prod damaged (views gone)."""
    workspace.mkdir(parents=True, exist_ok=True)
    original = emulator.get_liveboard(PROD_GUID)
    path = workspace / "restore" / f"{PROD_GUID}.liveboard.tml"
    path.parent.mkdir()
    path.write_text(json.dumps(original))
    damaged = json.loads(json.dumps(original))
    damaged["liveboard"]["views"] = []
    emulator.load_liveboard(damaged)
    return path


def _restore(emulator: Emulator, workspace: Path, prod_guid: str) -> ActionRun:
    """mode: restore of a backup of prod, after prod lost its views."""
    path = _backup_of_prod(emulator, workspace)
    return run_action(
        workspace,
        {
            "host": emulator.url,
            "username": ADMIN,
            "secret-key": SECRET_KEY,
            "mode": "restore",
            "backup-file": str(path.relative_to(workspace)),
            "prod-liveboard-guid": prod_guid,
        },
    )


def test_mode_restore_imports_the_backup_file(
    emulator: Emulator, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    run = _restore(emulator, workspace, PROD_GUID.upper())
    assert run.returncode == 0, run.stdout
    assert stored_views(emulator) == PROD_VIEWS
    assert "prod restored from the backup file" in run.summary
    # prod as it was just before the rollback is saved too
    saved = tml.loads(
        (workspace / "thoughtspot-backup" / f"{PROD_GUID}.liveboard.tml").read_text()
    )
    assert tml.views(saved) == []
    assert json.loads(run.outputs["report"])["mode"] == "restore"


def test_mode_restore_refuses_another_liveboards_backup(
    emulator: Emulator, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    run = _restore(emulator, workspace, DEV_GUID)
    assert run.returncode == 1
    (error,) = run.errors
    assert (
        f"is {DEV_GUID} but the backup file" in error
        and "nothing was imported" in error
    )
    assert emulator.requests == []
    assert stored_views(emulator) == []


def test_mode_restore_needs_a_backup_file(promote: Promote, emulator: Emulator) -> None:
    run = promote(mode="restore", dev_liveboard_guid="")
    assert run.returncode == 1
    assert "'backup-file'" in run.errors[0]
    assert emulator.requests == []
