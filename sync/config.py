"""The action's inputs: names, defaults, parsing and validation, done once.

Everything the user can set arrives here as text, from ``INPUT_<NAME>``
variables (as GitHub's runner passes them, hyphens kept), from command-line
flags, or, when run locally, from the original script's ``TS_*`` variables.
Past :func:`load`, the code only sees a frozen :class:`Settings`; errors name
the input as the user typed it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sync.merge import Policy


class ConfigError(ValueError):
    """An input is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Input:
    name: str
    default: str = ""
    required: bool = False
    description: str = ""
    # The original script's variable, read when the input is not given.
    legacy_env: str | None = None


# The contract with action.yml: every input the code reads, with its default.
INPUTS: tuple[Input, ...] = (
    Input("host", required=True, legacy_env="TS_HOST",
          description="Prod cluster URL, e.g. https://my-company.thoughtspot.cloud"),
    Input("username", required=True, legacy_env="TS_USERNAME",
          description="Account that exports and imports"),
    Input("secret-key", legacy_env="TS_SECRET_KEY",
          description="Trusted-authentication secret key (or give password)"),
    Input("password", description="Password, when there is no secret key"),
    Input("org-id", description="ThoughtSpot Org id (an integer) to work in"),
    Input("dev-liveboard-guid", required=True, legacy_env="TS_LIVEBOARD_GUID_DEV",
          description="GUID of the dev liveboard to promote"),
    Input("prod-liveboard-guid", required=True, legacy_env="TS_LIVEBOARD_GUID_PROD",
          description="GUID of the prod liveboard it replaces"),
    Input("dev-views", "drop", description="Views only in dev: drop or keep"),
    Input("stale-filters", "prune",
          description="A prod view filter on a filter dev removed: prune, keep or fail"),
    Input("keep-prod-name", "true", description="Keep prod's liveboard name"),
    Input("allow-view-loss", "false",
          description="Import even when prod has views the export does not show (they are lost)"),
    Input("dry-run", "false",
          description="Validate the import (VALIDATE_ONLY) but write nothing"),
    Input("backup-dir", "thoughtspot-backup",
          description="Folder, relative to the workspace, for prod's TML backup"),
    Input("verify", "true",
          description="Re-export prod after import and check every carried view"),
    Input("verify-tls", "true",
          description="false for clusters with self-signed certificates"),
    Input("ca-bundle", description="Path to a CA bundle for TLS"),
    Input("timeout", "120", description="Seconds per HTTP request"),
)  # fmt: skip

INPUT_NAMES = frozenset(i.name for i in INPUTS)
SECRET_INPUTS = ("secret-key", "password")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")  # fmt: skip
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Settings:
    host: str
    username: str
    secret_key: str | None
    password: str | None
    org_id: int | None
    dev_guid: str
    prod_guid: str
    policy: Policy
    dry_run: bool
    allow_view_loss: bool
    backup_dir: Path
    verify: bool
    tls_verify: bool | str  # what requests takes: a flag or a CA bundle path
    timeout: float
    debug: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_key, self.password) if s)


def raw_inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """The inputs given, as text: ``INPUT_*`` first, then the ``TS_*`` fallbacks.

    An input left empty counts as not given, as the runner passes every
    declared input (empty when the workflow left it out).
    """
    given: dict[str, str] = {}
    for spec in INPUTS:
        value = environ.get(_env_name(spec.name), "")
        if not value.strip() and spec.legacy_env:
            value = environ.get(spec.legacy_env, "")
        if value.strip():
            given[spec.name] = value
    return given


def secrets_in(environ: Mapping[str, str]) -> list[str]:
    """Every secret the environment carries, read before validation so that it
    can be masked even when the rest of the configuration is wrong."""
    raw = raw_inputs(environ)
    found = [raw[name].strip() for name in SECRET_INPUTS if name in raw]
    # A password pasted into the host URL is refused, but must not be shown.
    host = raw.get("host", "")
    match = re.match(r"^[a-z]+://[^/@]*:([^/@]+)@", host.strip(), re.IGNORECASE)
    if match:
        found.append(match.group(1))
    return found


def load(
    environ: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
    workspace: Path | None = None,
) -> Settings:
    """Validate every input at once; raise ConfigError naming each problem."""
    given = raw_inputs(environ)
    given.update({k: v for k, v in (overrides or {}).items() if v and v.strip()})
    values = {spec.name: given.get(spec.name, spec.default).strip() for spec in INPUTS}
    problems: list[str] = []

    missing = [s.name for s in INPUTS if s.required and not values[s.name]]
    if missing:
        problems.append(
            "required input missing: " + ", ".join(f"'{n}'" for n in missing)
        )
    if not values["secret-key"] and not values["password"]:
        problems.append("give one of 'secret-key' or 'password'")

    def parse(name: str, fn):  # type: ignore[no-untyped-def]
        try:
            return fn(values[name])
        except ConfigError as exc:
            problems.append(f"input '{name}': {exc}")
            return None

    host = parse("host", _host) if values["host"] else None
    org_id = parse("org-id", _org_id) if values["org-id"] else None
    dev_guid = (
        parse("dev-liveboard-guid", _guid) if values["dev-liveboard-guid"] else None
    )
    prod_guid = (
        parse("prod-liveboard-guid", _guid) if values["prod-liveboard-guid"] else None
    )
    dev_views = parse("dev-views", _choice("drop", "keep"))
    stale = parse("stale-filters", _choice("prune", "keep", "fail"))
    # Every input whose default is a boolean is one.
    flags = {s.name: parse(s.name, _boolean) for s in INPUTS if s.default in _BOOLEANS}
    timeout = parse("timeout", _timeout)
    backup_dir = parse("backup-dir", _relative_dir)
    ca_bundle = values["ca-bundle"]

    if dev_guid and prod_guid and dev_guid.lower() == prod_guid.lower():
        problems.append(
            f"'dev-liveboard-guid' and 'prod-liveboard-guid' are the same ({dev_guid}): "
            "the prod liveboard must be a different one"
        )
    root = workspace or Path.cwd()
    if ca_bundle and not _is_file(root / ca_bundle):
        problems.append(f"input 'ca-bundle': no file at '{ca_bundle}'")

    if problems:
        raise ConfigError("; ".join(problems))

    tls: bool | str = str(root / ca_bundle) if ca_bundle else bool(flags["verify-tls"])
    return Settings(
        host=host,
        username=values["username"],
        secret_key=values["secret-key"] or None,
        password=values["password"] or None,
        org_id=org_id,
        dev_guid=dev_guid,
        prod_guid=prod_guid,
        policy=Policy(dev_views=dev_views, stale_filters=stale,
                      keep_prod_name=flags["keep-prod-name"]),
        dry_run=flags["dry-run"],
        allow_view_loss=flags["allow-view-loss"],
        backup_dir=(root / backup_dir).resolve(),
        verify=flags["verify"],
        tls_verify=tls,
        timeout=timeout,
        debug=is_debug(environ),
    )  # fmt: skip


def _env_name(name: str) -> str:
    return "INPUT_" + name.replace(" ", "_").upper()


def is_debug(environ: Mapping[str, str]) -> bool:
    return environ.get("RUNNER_DEBUG") == "1" or environ.get(
        "ACTIONS_STEP_DEBUG", ""
    ).lower() in ("1", "true")


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise ConfigError(f"expected true or false, got '{text}'") from None


def _choice(*allowed: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> str:
        if text.lower() not in allowed:
            raise ConfigError(f"expected one of {', '.join(allowed)}, got '{text}'")
        return text.lower()

    return parse


def _host(text: str) -> str:
    url = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range
    except ValueError:
        raise ConfigError(
            f"expected a cluster URL like https://x.thoughtspot.cloud, got '{text}'"
        ) from None
    if parts.username is not None or parts.password is not None:
        # Never echo it: the text holds a credential.
        raise ConfigError(
            "the URL must not hold a user name or password; use 'username' and 'secret-key' or 'password'"
        )
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or re.search(r"\s", url)
        or port == 0
    ):
        raise ConfigError(
            f"expected a cluster URL like https://x.thoughtspot.cloud, got '{text}'"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"expected a cluster URL without '?' or '#' parts, got '{text}'"
        )
    return url.rstrip("/")


def _guid(text: str) -> str:
    if not _GUID.match(text):
        raise ConfigError(
            f"expected a GUID like 2ed8192a-0000-4b1c-9d2e-0123456789ab, got '{text}'"
        )
    # ThoughtSpot writes GUIDs in lower case and compares them as written.
    return text.lower()


def _org_id(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise ConfigError(f"expected an integer Org id, got '{text}'")
    return int(text)


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(f"expected a number of seconds, got '{text}'") from None
    if not 0 < seconds <= 3600:
        raise ConfigError(f"expected between 0 and 3600 seconds, got '{text}'")
    return seconds


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name too long for the file system
        return False


def _relative_dir(text: str) -> Path:
    path = Path(text)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"expected a folder inside the workspace, got '{text}'")
    return path


def non_defaults(
    environ: Mapping[str, str], overrides: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """Inputs set to something other than their default, secrets left out, for
    the summary's details."""
    given = raw_inputs(environ)
    given.update({k: v for k, v in (overrides or {}).items() if v and v.strip()})
    return {
        spec.name: given[spec.name].strip()
        for spec in INPUTS
        if spec.name in given
        and spec.name not in SECRET_INPUTS
        and spec.default
        and given[spec.name].strip().lower() != spec.default
    }
