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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sync import guidmap, pairs, tml
from sync.guidmap import MappingError
from sync.merge import Policy
from sync.pairs import Pair, PairError


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
    Input("dev-liveboard-guid", legacy_env="TS_LIVEBOARD_GUID_DEV",
          description="GUID of the dev liveboard to promote, or the path of its TML file in the workspace"),
    Input("prod-liveboard-guid", legacy_env="TS_LIVEBOARD_GUID_PROD",
          description="GUID of the prod liveboard it replaces"),
    Input("liveboards",
          description="Several liveboards: one 'dev prod' pair per line (instead of the two GUID inputs)"),
    Input("dev-host", description="Dev cluster URL, when dev is on another cluster (default: host)"),
    Input("dev-username", description="Dev account (default: username)"),
    Input("dev-secret-key", description="Dev secret key (default: secret-key)"),
    Input("dev-password", description="Dev password (default: password)"),
    Input("dev-org-id", description="Dev Org id (default: org-id)"),
    Input("guid-mapping",
          description="Path, relative to the workspace, of a JSON file mapping dev GUIDs to prod GUIDs"),
    Input("view-upsert", "false",
          description="Send enable_personalized_view_upsert on import (clusters that have it on)"),
    Input("dev-views", "drop", description="Views only in dev: drop or keep"),
    Input("stale-filters", "prune",
          description="A prod view filter on a filter dev removed: prune, keep or fail"),
    Input("keep-prod-name", "true", description="Keep prod's liveboard name"),
    Input("allow-view-loss", "false",
          description="Import even when prod has views the export does not show (they are lost)"),
    Input("restore-on-failure", "true",
          description="Re-import prod's backup when carried views are missing after the import"),
    Input("mode", "promote",
          description="promote, or restore: import 'backup-file' into prod as it is"),
    Input("backup-file",
          description="With mode restore: path, relative to the workspace, of a backup to import"),
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

SECRET_INPUTS = ("secret-key", "password", "dev-secret-key", "dev-password")

_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Connection:
    """One cluster, Org and account."""

    host: str
    username: str
    secret_key: str | None
    password: str | None
    org_id: int | None


@dataclass(frozen=True)
class Backup:
    """A backup file to import as it is (mode: restore)."""

    path: str
    text: str = field(repr=False)
    guid: str


@dataclass(frozen=True)
class Settings:
    prod: Connection
    dev: Connection
    pairs: tuple[Pair, ...]
    policy: Policy
    dry_run: bool
    allow_view_loss: bool
    view_upsert: bool
    guid_mapping: dict[str, str] | None
    backup_dir: Path
    verify: bool
    tls_verify: bool | str  # what requests takes: a flag or a CA bundle path
    timeout: float
    restore_on_failure: bool = True
    # Set in mode restore: then `pairs` is empty and nothing is promoted.
    restore: Backup | None = None
    debug: bool = False

    @property
    def host(self) -> str:
        return self.prod.host

    @property
    def same_connection(self) -> bool:
        return self.dev == self.prod

    @property
    def same_cluster_and_org(self) -> bool:
        return (self.dev.host, self.dev.org_id) == (self.prod.host, self.prod.org_id)


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
    # A password pasted into a host URL is refused, but must not be shown.
    for name in ("host", "dev-host"):
        userinfo = _userinfo(raw.get(name, ""))
        if userinfo and ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    return found


def _userinfo(host: str) -> str | None:
    """What stands before the last '@' after the scheme, slashes and all: a
    password may hold a '/' that a URL parser takes for the path."""
    rest = host.strip().split("://", 1)[-1]
    return rest.rsplit("@", 1)[0] if "@" in rest else None


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
        except (ConfigError, PairError, MappingError) as exc:
            problems.append(f"input '{name}': {exc}")
            return None

    root = workspace or Path.cwd()
    host = parse("host", _host) if values["host"] else None
    org_id = parse("org-id", _org_id) if values["org-id"] else None
    dev_host = parse("dev-host", _host) if values["dev-host"] else host
    dev_org_id = parse("dev-org-id", _org_id) if values["dev-org-id"] else org_id
    mode = parse("mode", _choice("promote", "restore"))
    restore = None
    if mode == "restore":
        pair_list: list[Pair] = []
        restore = _backup_file(values, root, problems)
    else:
        pair_list = _pairs(values, root, problems)
        if values["backup-file"]:
            problems.append("input 'backup-file' is only read with 'mode: restore'")
    dev_views = parse("dev-views", _choice("drop", "keep"))
    stale = parse("stale-filters", _choice("prune", "keep", "fail"))
    # Every input whose default is a boolean is one.
    flags = {s.name: parse(s.name, _boolean) for s in INPUTS if s.default in _BOOLEANS}
    timeout = parse("timeout", _timeout)
    backup_dir = parse("backup-dir", lambda text: inside(root, text, "a folder"))
    mapping = (
        parse("guid-mapping", lambda text: guidmap.read(root / inside(root, text)))
        if values["guid-mapping"]
        else None
    )
    ca_bundle = values["ca-bundle"]
    if ca_bundle:
        try:
            inside(root, ca_bundle)
            if not _is_file(root / ca_bundle):
                problems.append(f"input 'ca-bundle': no file at '{ca_bundle}'")
        except ConfigError as exc:
            problems.append(f"input 'ca-bundle': {exc}")

    if problems:
        raise ConfigError("; ".join(problems))

    # Dev's account defaults to prod's; a dev credential of its own replaces
    # both of prod's (a dev password must not be paired with prod's key).
    own_dev_credential = values["dev-secret-key"] or values["dev-password"]
    prod = Connection(
        host,
        values["username"],
        values["secret-key"] or None,
        values["password"] or None,
        org_id,
    )
    dev = Connection(
        dev_host,
        values["dev-username"] or values["username"],
        (values["dev-secret-key"] or None) if own_dev_credential else prod.secret_key,
        (values["dev-password"] or None) if own_dev_credential else prod.password,
        dev_org_id,
    )
    tls: bool | str = str(root / ca_bundle) if ca_bundle else bool(flags["verify-tls"])
    return Settings(
        prod=prod,
        dev=dev,
        pairs=tuple(pair_list),
        policy=Policy(dev_views=dev_views, stale_filters=stale,
                      keep_prod_name=flags["keep-prod-name"]),
        dry_run=flags["dry-run"],
        allow_view_loss=flags["allow-view-loss"],
        view_upsert=flags["view-upsert"],
        guid_mapping=mapping,
        backup_dir=(root / backup_dir).resolve(),
        verify=flags["verify"],
        tls_verify=tls,
        timeout=timeout,
        restore_on_failure=flags["restore-on-failure"],
        restore=restore,
        debug=is_debug(environ),
    )  # fmt: skip


def _backup_file(
    values: Mapping[str, str], root: Path, problems: list[str]
) -> Backup | None:
    """mode: restore takes a backup (say, from an earlier run's artifact) and
    the prod GUID, when given, must be the one the file holds."""
    text = values["backup-file"]
    if not text:
        problems.append("required input missing: 'backup-file' (with 'mode: restore')")
        return None
    if values["liveboards"] or values["dev-liveboard-guid"]:
        problems.append(
            "with 'mode: restore' give only 'backup-file' (and 'prod-liveboard-guid'), "
            "not 'liveboards' or 'dev-liveboard-guid'"
        )
    try:
        path = inside(root, text)
        content = (root / path).read_text(encoding="utf-8")
        document = tml.loads_liveboard(content)
    except ConfigError as exc:
        problems.append(f"input 'backup-file': {exc}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        problems.append(f"input 'backup-file': cannot read '{text}': {reason}")
        return None
    except tml.TmlError as exc:
        problems.append(
            f"input 'backup-file': '{text}' is not a liveboard's TML: {exc}"
        )
        return None
    guid = str(document.get("guid") or "").lower()
    if not pairs.GUID.match(guid):
        problems.append(f"input 'backup-file': '{text}' holds no liveboard guid")
        return None
    given = values["prod-liveboard-guid"]
    if given and given.lower() != guid:
        problems.append(
            f"input 'prod-liveboard-guid' is {given} but the backup file '{text}' is "
            f"liveboard {guid}: nothing was imported"
        )
    return Backup(text, content, guid)


def _dev_elsewhere(values: Mapping[str, str]) -> bool:
    """Whether dev may be another cluster or Org, where one GUID can name two
    liveboards (a first promotion by import keeps dev's GUID)."""
    host, dev_host = values["host"].rstrip("/"), values["dev-host"].rstrip("/")
    org, dev_org = values["org-id"], values["dev-org-id"]
    return bool((dev_host and dev_host != host) or (dev_org and dev_org != org))


def _pairs(values: Mapping[str, str], root: Path, problems: list[str]) -> list[Pair]:
    """The liveboards to promote, from `liveboards` or the two GUID inputs."""
    dev_text, prod_text = values["dev-liveboard-guid"], values["prod-liveboard-guid"]
    found: list[Pair] = []
    if values["liveboards"]:
        if dev_text or prod_text:
            problems.append(
                "give either 'liveboards' or 'dev-liveboard-guid' and "
                "'prod-liveboard-guid', not both"
            )
            return []
        try:
            found = pairs.parse_lines(values["liveboards"], root)
        except PairError as exc:
            problems.append(f"input 'liveboards': {exc}")
            return []
    else:
        missing = [
            n
            for n, v in (
                ("dev-liveboard-guid", dev_text),
                ("prod-liveboard-guid", prod_text),
            )
            if not v
        ]
        if missing:
            problems.append(
                "required input missing: "
                + ", ".join(f"'{n}'" for n in missing)
                + " (or give 'liveboards')"
            )
        dev = prod = None
        try:
            dev = pairs.dev_source(dev_text, root) if dev_text else None
        except PairError as exc:
            problems.append(f"input 'dev-liveboard-guid': {exc}")
        try:
            prod = pairs.guid(prod_text) if prod_text else None
        except PairError as exc:
            problems.append(f"input 'prod-liveboard-guid': {exc}")
        if dev is None or prod is None:
            return []
        found = [Pair(prod, dev.dev_guid, dev.dev_path, dev.dev_document)]
    try:
        pairs.check(found, same_place=not _dev_elsewhere(values))
    except PairError as exc:
        name = "liveboards" if values["liveboards"] else "prod-liveboard-guid"
        problems.append(f"input '{name}': {exc}")
    return found


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
    if _userinfo(text) is not None:
        # Never echo it: the text may hold a credential.
        raise ConfigError(
            "the URL must not hold a user name or password; use 'username' and "
            "'secret-key' or 'password'"
        )
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


def inside(root: Path, text: str, what: str = "a file") -> Path:
    """`text` as a path in the workspace `root`, refused when it, or a link on
    the way, leads outside it."""
    path = Path(text)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"expected {what} inside the workspace, got '{text}'")
    try:
        resolved = (root / path).resolve()
        resolved.relative_to(root.resolve())
    except (OSError, ValueError):
        raise ConfigError(f"'{text}' leads outside the workspace") from None
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
