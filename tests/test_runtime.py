"""The GitHub side: masking, workflow commands, outputs and the summary."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

from actionrun import parse_output_file

from sync.runtime import Runtime, neutralize


def make(
    tmp_path: Path | None = None, debug: bool = False, runner: bool = True
) -> tuple[Runtime, io.StringIO]:
    stream = io.StringIO()
    environ = {"GITHUB_ACTIONS": "true"} if runner else {}
    if tmp_path is not None:
        environ = {
            "GITHUB_OUTPUT": str(tmp_path / "out"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        }
    return Runtime(environ, stream=stream, debug=debug), stream


def test_mask_registers_secret_and_redacts_every_later_line() -> None:
    runtime, stream = make()
    runtime.mask(["s3cret-value", None, ""])
    runtime.logger.warning("login with s3cret-value failed")
    lines = stream.getvalue().splitlines()
    assert lines == ["::add-mask::s3cret-value", "::warning::login with *** failed"]


def test_multiline_secret_masked_line_by_line() -> None:
    runtime, stream = make()
    runtime.mask(["line-one-abc\nline-two-def"])
    assert "::add-mask::line-one-abc" in stream.getvalue().splitlines()
    assert "::add-mask::line-two-def" in stream.getvalue().splitlines()


def test_levels_become_workflow_commands_with_escaping() -> None:
    runtime, stream = make(debug=True)
    runtime.logger.debug("100% done")
    runtime.logger.error("two\nlines", extra={"title": "a: b, c"})
    runtime.logger.info("plain")
    assert stream.getvalue().splitlines() == [
        "::debug::100%25 done",
        "::error title=a%3A b%2C c::two%0Alines",
        "plain",
    ]


def test_debug_hidden_without_debug_logging() -> None:
    runtime, stream = make()
    runtime.logger.debug("hidden")
    assert stream.getvalue() == ""


def test_traceback_only_with_debug_logging() -> None:
    for debug in (False, True):
        runtime, stream = make(debug=debug)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            runtime.logger.debug("Unexpected error", exc_info=True)
        assert ("Traceback" in stream.getvalue()) is debug


def test_info_line_cannot_become_a_command() -> None:
    runtime, stream = make()
    runtime.logger.info("view name\n::error::injected\n  ::add-mask::x")
    for line in stream.getvalue().splitlines():
        assert not line.lstrip().startswith("::")
    assert neutralize("ok") == "ok"


def test_outputs_and_summary_files(tmp_path: Path) -> None:
    runtime, _ = make(tmp_path)
    runtime.mask(["tok-123456"])
    runtime.set_outputs({"report": '{"a": "tok-123456"}', "views-carried": "3"})
    runtime.write_summary("## hello")
    runtime.write_summary("more")
    outputs = parse_output_file((tmp_path / "out").read_text())
    assert outputs == {"report": '{"a": "***"}', "views-carried": "3"}
    assert (tmp_path / "summary").read_text() == "## hello\nmore\n"


def test_without_file_commands_outputs_are_printed_not_set_output() -> None:
    runtime, stream = make(runner=False)
    runtime.set_outputs({"views-carried": "2"})
    runtime.write_summary("## summary")
    assert stream.getvalue().splitlines() == ["output views-carried=2", "## summary"]


def test_group(tmp_path: Path) -> None:
    runtime, stream = make()
    with runtime.group("Export"):
        logging.getLogger("sync.x").info("inside")
    assert stream.getvalue().splitlines() == [
        "::group::Export",
        "inside",
        "::endgroup::",
    ]


def test_outside_a_runner_secrets_are_redacted_not_announced() -> None:
    runtime, stream = make(runner=False)
    runtime.mask(["local-secret-1"])
    runtime.logger.info("using local-secret-1")
    assert stream.getvalue().splitlines() == ["using ***"]


def test_json_escaped_secret_redacted() -> None:
    runtime, stream = make()
    secret = 'pa"ss\\word'
    runtime.mask([secret])
    runtime.logger.error("server said %s", json.dumps({"password": secret}))
    assert (
        stream.getvalue().splitlines()[-1] == '::error::server said {"password": "***"}'
    )


def test_legacy_commands_defused_everywhere() -> None:
    runtime, stream = make()
    runtime.logger.info("name ##[stop-commands]x")
    runtime.logger.warning("name ##[error]y")
    assert "##[" not in stream.getvalue()


def test_the_leak_check_finds_a_secret_but_not_its_mask_line() -> None:
    from conftest import leaks

    places = {
        "stdout": "::add-mask::tok-abcdef\nfine\n",
        "summary": "token was tok-abcdef",
        "backup": "nothing",
    }
    assert leaks({"tok-abcdef"}, places) == ["summary"]


def test_carriage_return_cannot_start_a_command() -> None:
    runtime, stream = make()
    runtime.logger.info("Sales\r::warning title=x::injected")
    for line in re.split(r"\r\n|\r|\n", stream.getvalue()):
        assert not line.lstrip().startswith("::warning"), line
