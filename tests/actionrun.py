"""Start entrypoint.py exactly as GitHub's runner starts a container action.

The runner passes every declared input as ``INPUT_<NAME>`` (upper-cased,
hyphens kept; declared inputs with a default arrive set to it, the others
empty), points ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` at files it
created, and uses the workspace as the working directory. Used by the
end-to-end tests and by ``make demo``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "entrypoint.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

ACTION_YML = ROOT / "action.yml"


def declared_inputs() -> dict[str, str]:
    """What action.yml declares, with defaults: the runner fills these in."""
    action = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    return {
        name: str(spec.get("default", "")) for name, spec in action["inputs"].items()
    }


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    workspace: Path

    def commands(self, name: str) -> list[str]:
        """The messages of every ``::name ...::message`` line printed."""
        found = []
        for line in (self.stdout + "\n" + self.stderr).splitlines():
            match = re.match(rf"^::{name}(?: [^:]*)?::(.*)$", line)
            if match:
                found.append(unescape(match.group(1)))
        return found

    @property
    def errors(self) -> list[str]:
        return self.commands("error")

    @property
    def warnings(self) -> list[str]:
        return self.commands("warning")

    def written_files(self) -> dict[Path, str]:
        return {
            p: p.read_text(encoding="utf-8", errors="replace")
            for p in self.workspace.rglob("*")
            if p.is_file()
        }


def unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def parse_output_file(text: str) -> dict[str, str]:
    """Read GITHUB_OUTPUT as the runner does; a malformed file fails."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        heredoc = re.match(r"^([^=<]+)<<(.+)$", line)
        if heredoc:
            name, delimiter = heredoc.groups()
            value: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i == len(lines):
                raise AssertionError(f"output {name!r}: delimiter never closed")
            i += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
        else:
            raise AssertionError(f"malformed GITHUB_OUTPUT line: {line!r}")
    return outputs


def run_action(
    workspace: Path,
    inputs: Mapping[str, str],
    *,
    env: Mapping[str, str] | None = None,
    declare_defaults: bool = True,
    timeout: float = 180,
    args: Iterable[str] = (),
) -> ActionRun:
    workspace.mkdir(parents=True, exist_ok=True)
    commands = workspace.parent / f"{workspace.name}-file-commands"
    commands.mkdir(exist_ok=True)
    output_file = commands / "set_output"
    summary_file = commands / "step_summary"
    output_file.write_text("")
    summary_file.write_text("")
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(commands),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    values = declared_inputs() if declare_defaults else {}
    values.update(inputs)
    for name, value in values.items():
        environ[f"INPUT_{name.upper()}"] = value
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, str(ENTRYPOINT), *args],
        cwd=workspace,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ActionRun(
        returncode=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        outputs=parse_output_file(output_file.read_text(encoding="utf-8")),
        summary=summary_file.read_text(encoding="utf-8"),
        workspace=workspace,
    )


def assert_no_secrets(run: ActionRun, secrets: Iterable[str]) -> None:
    """No secret or token in anything the run printed or wrote."""
    places = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "summary": run.summary,
        **{f"output {k}": v for k, v in run.outputs.items()},
        **{str(p): t for p, t in run.written_files().items()},
    }
    for secret in secrets:
        if not secret:
            continue
        for place, text in places.items():
            # The one allowed appearance: the ::add-mask:: command itself.
            cleaned = "\n".join(
                line
                for line in text.splitlines()
                if not line.startswith("::add-mask::")
            )
            assert secret not in cleaned, f"a secret leaked into {place}"
