"""The GitHub Actions side: masking, logging as workflow commands, groups,
outputs and the job summary. The one module that imports actions-toolkit.

Run outside GitHub (no ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY``), outputs and
the summary are printed instead, so the same code serves the local CLI.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from actions_toolkit.command import Command
from actions_toolkit.file_command import prepare_key_value_message

LOGGER_NAME = "sync"
_REDACTED = "***"
# `logging` has no level for the runner's ::notice::; this sits between INFO
# and WARNING.
NOTICE = 25
logging.addLevelName(NOTICE, "NOTICE")
_LEVEL_COMMANDS = {
    logging.DEBUG: "debug",
    NOTICE: "notice",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}


class Redactor:
    """Replaces every registered secret with *** in any text."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, secret: str) -> bool:
        secret = secret.strip()
        # Very short values would blank out ordinary words; the runner's own
        # masking has the same floor.
        if len(secret) < 3 or secret in self._secrets:
            return False
        self._secrets.append(secret)
        escaped = json.dumps(secret)[1:-1]  # as it appears inside JSON text
        if escaped != secret and escaped not in self._secrets:
            self._secrets.append(escaped)
        self._secrets.sort(key=len, reverse=True)
        return True

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text


def neutralize(text: str) -> str:
    """Make sure no line of `text` can be read by the runner as a command."""
    # A carriage return ends a line for the runner too.
    lines = re.split(r"\r\n|\r|\n", _defuse_legacy(text))
    return "\n".join(
        "\u203a " + line if line.lstrip().startswith("::") else line for line in lines
    )


def _defuse_legacy(text: str) -> str:
    # The runner still reads the old `##[command]` syntax anywhere in a line
    # (`##[stop-commands]` would silence every later annotation); a zero-width
    # space between the hashes keeps the text readable and inert.
    return text.replace("##[", "#\u200b#[")


class WorkflowFormatter(logging.Formatter):
    """Log levels as workflow commands: warning -> ``::warning::`` and so on."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        message = self._redact(record.getMessage())
        if record.exc_info:
            # Tracebacks are logged at debug level only, so they show only
            # with step debug logging on.
            message += "\n" + self._redact(self.formatException(record.exc_info))
        command = _LEVEL_COMMANDS.get(record.levelno)
        if command is None:
            return neutralize(message)
        title = getattr(record, "title", None)
        properties = {"title": self._redact(title)} if title else {}
        return _defuse_legacy(str(Command(command, properties, message)))


class Runtime:
    def __init__(
        self,
        environ: Mapping[str, str],
        stream: TextIO | None = None,
        debug: bool = False,
    ) -> None:
        self._stream = stream or sys.stdout
        self.output_file = environ.get("GITHUB_OUTPUT") or None
        self.summary_file = environ.get("GITHUB_STEP_SUMMARY") or None
        # Only a runner reads ::add-mask::; in a terminal the line would show
        # the very secret it hides, so there we rely on redaction alone.
        self.on_runner = (
            environ.get("GITHUB_ACTIONS") == "true"
            or bool(self.output_file or self.summary_file)
            or any(name.startswith("INPUT_") for name in environ)
        )
        self.redact = Redactor()
        self.logger = logging.getLogger(LOGGER_NAME)
        self._handler = logging.StreamHandler(self._stream)
        self._handler.setFormatter(WorkflowFormatter(self.redact))
        self.logger.handlers[:] = [self._handler]
        self.logger.propagate = False
        self.set_debug(debug)

    def set_debug(self, debug: bool) -> None:
        self.debug = debug
        self.logger.setLevel(logging.DEBUG if debug else logging.INFO)

    def mask(self, values: Iterable[str | None]) -> None:
        """Register secrets with the runner and with our own redaction."""
        for value in values:
            if not value:
                continue
            for part in [value, *value.splitlines()]:
                if self.redact.add(part) and self.on_runner:
                    self._write(str(Command("add-mask", {}, part.strip())))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self._write(str(Command("group", {}, self.redact(title))))
        try:
            yield
        finally:
            self._write(str(Command("endgroup", {}, "")))

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        for name, value in outputs.items():
            value = self.redact(value)
            if self.output_file:
                # The file named by our environment, not os.environ: the
                # toolkit's set_output would fall back to ::set-output::.
                with open(self.output_file, "a", encoding="utf-8", newline="") as out:
                    out.write(prepare_key_value_message(name, value) + "\n")
            else:
                # Never the deprecated ::set-output:: command: plain text only.
                self._write(neutralize(f"output {name}={value}"))

    def write_summary(self, markdown: str) -> None:
        markdown = self.redact(markdown)
        if self.summary_file:
            with open(self.summary_file, "a", encoding="utf-8") as handle:
                handle.write(markdown)
                if not markdown.endswith("\n"):
                    handle.write("\n")
        else:
            self._write(neutralize(markdown.rstrip("\n")))

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()
