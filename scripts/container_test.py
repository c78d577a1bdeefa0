"""Helpers of scripts/container-test.sh that are easier to get right in Python.

pip-config OUT
    Write the pip configuration this machine uses (files and PIP_ variables,
    as `pip config list` reports them) to OUT, for the image build to mount at
    /etc/pip.conf. Settings that point at this machine's own disk (find-links,
    constraints, file:// indexes) are left out: those paths do not exist inside
    the build, and GitHub's build has no such local sources either. `cert` is
    kept, because the script mounts the CA bundle at the same path.

inputs NAME=VALUE...
    Print, NUL-separated, the INPUT_ variables the runner sets for a step
    that passes these `with:` values: one for every input action.yml declares
    (upper-cased, hyphens kept), its default where the step gives none, else
    empty.

check RESULTS_DIR URL USERNAME SECRET_KEY PROD_GUID
    Check one containerised run: outputs, summary, backup, no leaked secret,
    and the prod liveboard as the emulator now serves it over HTTP.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from actionrun import ActionRun, assert_no_secrets, parse_output_file  # noqa: E402

KEPT_PATHS = {"cert"}
EXPECTED_VIEWS = {"East region", "My accounts", "Q3 review"}


def pip_config(out: Path) -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    merged: dict[str, dict[str, str]] = {}
    left_out = set()
    # `pip config list` sorts its lines, so `:env:` (PIP_ variables) comes
    # first; pip itself lets them win over every file, so apply them last.
    lines = sorted(listing.splitlines(), key=lambda line: line.startswith(":env:"))
    for line in lines:
        name, _, text = line.partition("=")
        section, _, key = name.rpartition(".")
        section = "global" if section == ":env:" else section
        value = " ".join(
            token
            for token in str(ast.literal_eval(text)).split()
            if key in KEPT_PATHS or not token.startswith(("/", "file:"))
        )
        if value:
            merged.setdefault(section, {})[key] = value
        else:
            merged.get(section, {}).pop(key, None)
            left_out.add(f"{section}.{key}")
    for name in sorted(left_out):
        print(f"pip-config: {name} left out (a path on this machine)")
    config = configparser.ConfigParser(interpolation=None)
    config.read_dict(merged)
    with out.open("w", encoding="utf-8") as handle:
        config.write(handle)


def runner_inputs(given: list[str]) -> None:
    declared = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"]
    values = dict(pair.split("=", 1) for pair in given)
    unknown = set(values) - set(declared)
    if unknown:
        raise SystemExit(f"inputs: not declared in action.yml: {sorted(unknown)}")
    for name, spec in declared.items():
        default = (spec or {}).get("default", "")
        if isinstance(default, bool):  # YAML `true`; the runner passes text
            default = str(default).lower()
        value = values.get(name, str(default))
        sys.stdout.write(f"INPUT_{name.upper().replace(' ', '_')}={value}\0")


def post(url: str, body: dict, token: str | None = None) -> object:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def prod_views(url: str, username: str, secret_key: str, guid: str) -> set[str]:
    api = url.rstrip("/") + "/api/rest/2.0"
    login = post(
        f"{api}/auth/token/full", {"username": username, "secret_key": secret_key}
    )
    exported = post(
        f"{api}/metadata/tml/export",
        {
            "metadata": [{"identifier": guid, "type": "LIVEBOARD"}],
            "edoc_format": "JSON",
        },
        login["token"],
    )
    document = json.loads(exported[0]["edoc"])
    return {view["name"] for view in document["liveboard"].get("views", [])}


def check(results: Path, url: str, username: str, secret_key: str, guid: str) -> int:
    problems = []
    output_text = (results / "file_commands" / "set_output_x").read_text("utf-8")
    # parse_output_file reads the file as the runner does and fails on
    # anything malformed; on top, every output must be a heredoc block with a
    # random delimiter, as @actions/core writes them.
    outputs = parse_output_file(output_text)
    lines = iter(output_text.splitlines())
    for line in lines:
        if not line:
            continue
        opened = re.fullmatch(r"([\w-]+)<<(ghadelimiter_[0-9a-f-]{36})", line)
        if not opened:
            problems.append(f"not a heredoc block with a ghadelimiter_: {line!r}")
            continue
        for value_line in lines:
            if value_line == opened.group(2):
                break
    for name, wanted in (("views-carried", "3"), ("filters-pruned", "1")):
        if outputs.get(name) != wanted:
            problems.append(f"output {name} is {outputs.get(name)!r}, not {wanted}")
    if outputs.get("backup-dir") != "/github/workspace/thoughtspot-backup":
        problems.append(f"output backup-dir is {outputs.get('backup-dir')!r}")
    summary = (results / "file_commands" / "step_summary_x").read_text("utf-8")
    if "3 views carried" not in summary:
        problems.append("the step summary does not say '3 views carried'")
    backup = results / "workspace" / "thoughtspot-backup" / f"{guid}.liveboard.tml"
    if not backup.is_file() or not backup.stat().st_size:
        problems.append(f"no backup at {backup.relative_to(results)}")
    run = ActionRun(
        returncode=0,
        stdout=(results / "stdout").read_text("utf-8"),
        stderr=(results / "stderr").read_text("utf-8"),
        outputs=outputs,
        summary=summary,
        workspace=results / "workspace",
    )
    masked = run.commands("add-mask")
    if secret_key not in masked:
        problems.append("the secret key was never masked")
    try:
        # The secret key, and anything the action masked (its bearer token).
        assert_no_secrets(run, {secret_key, *masked})
    except AssertionError as exc:
        problems.append(str(exc))
    try:
        views = prod_views(url, username, secret_key, guid)
    except (OSError, ValueError, LookupError) as exc:
        views = set()
        problems.append(f"could not read prod back from the emulator: {exc}")
    if views != EXPECTED_VIEWS:
        problems.append(f"prod now holds views {sorted(views)}")
    for problem in problems:
        print(f"check: {problem}", file=sys.stderr)
    print(f"checks: {len(problems)} problem(s); prod views: {', '.join(sorted(views))}")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["pip-config"] and len(argv) == 2:
        pip_config(Path(argv[1]))
        return 0
    if argv[:1] == ["inputs"]:
        runner_inputs(argv[1:])
        return 0
    if argv[:1] == ["check"] and len(argv) == 6:
        return check(Path(argv[1]), *argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
