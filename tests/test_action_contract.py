"""The pieces agree: action.yml, the config, the outputs, the README, and the
lint of the action's own files (schemas, Dockerfile, workflows)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from actionrun import ROOT

from sync import config, report
from sync.result import RunResult

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed (requirements-dev.txt)"
    return found


def test_action_inputs_are_the_inputs_the_config_reads() -> None:
    declared = {
        name: (str(spec.get("default", "")), bool(spec.get("required", False)))
        for name, spec in ACTION["inputs"].items()
    }
    read = {i.name: (i.default, i.required) for i in config.INPUTS}
    assert declared == read


def test_every_input_has_a_description() -> None:
    assert all(spec.get("description") for spec in ACTION["inputs"].values())


def test_action_outputs_are_the_outputs_written() -> None:
    written = set(report.outputs(RunResult(host=None)))
    assert set(ACTION["outputs"]) == written
    assert all(spec.get("description") for spec in ACTION["outputs"].values())


def test_runs_the_dockerfile() -> None:
    assert ACTION["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert {"name", "description", "author", "branding"} <= set(ACTION)


@pytest.mark.parametrize(
    "name", [*ACTION["inputs"], *ACTION["outputs"]], ids=lambda n: n
)
def test_readme_documents(name: str) -> None:
    assert re.search(rf"^\| `{re.escape(name)}` \|", README, re.MULTILINE), name


def test_readme_shows_the_two_commands_near_the_top() -> None:
    top = README[: len(README) // 4]
    assert "make test" in top and "make demo" in top


def test_action_yml_matches_its_schema() -> None:
    subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
         str(ROOT / "action.yml")],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_workflow_matches_its_schema(path: Path) -> None:
    subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def test_workflows_have_no_finding_above_low() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--min-severity", "medium", "--no-progress",
         str(ROOT / ".github" / "workflows"), *map(str, EXAMPLES), str(ROOT / "action.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [tool("hadolint"), str(ROOT / "Dockerfile")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_entrypoint_is_exec_form_with_absolute_paths() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("ENTRYPOINT")]
    args = yaml.safe_load(line.removeprefix("ENTRYPOINT"))
    assert isinstance(args, list) and all(a.startswith("/") for a in args)


def test_workflows_pin_actions_by_sha() -> None:
    for path in WORKFLOWS + EXAMPLES:
        for ref in re.findall(r"uses:\s*([^\s#]+)", path.read_text(encoding="utf-8")):
            if ref.startswith("./"):
                continue
            assert re.search(r"@[0-9a-f]{40}$", ref), f"{path.name}: {ref}"
