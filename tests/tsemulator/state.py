"""What the emulated cluster holds: users, tokens and liveboards, per Org."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from . import tml_document

# Users the emulator has never heard of (a view author typed into TML) still need
# a stable GUID in search results.
_AUTHOR_NAMESPACE = uuid.UUID("6f1d7c52-3a0e-4c1b-9b77-2f4a5e8d9c10")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class User:
    username: str
    password: str | None
    secret_key: str | None
    orgs: tuple[int, ...]
    admin: bool
    guid: str


@dataclass
class Token:
    value: str
    username: str
    org_id: int
    created_ms: int
    expires_ms: int
    revoked: bool = False

    def valid(self) -> bool:
        return not self.revoked and now_ms() < self.expires_ms


@dataclass
class Liveboard:
    guid: str
    org_id: int
    document: dict
    owner: str | None
    # Who owns each view whose TML carries no `author`: the user who imported it.
    view_owners: dict[str, str] = field(default_factory=dict)
    created_ms: int = field(default_factory=now_ms)
    modified_ms: int = field(default_factory=now_ms)

    @property
    def name(self) -> str:
        return str(tml_document.body(self.document).get("name", ""))

    @property
    def obj_id(self) -> str | None:
        value = self.document.get("obj_id")
        return value if isinstance(value, str) and value else None


class Store:
    """Users and tokens are cluster-wide; liveboards live in one Org each."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.liveboards: dict[int, dict[str, Liveboard]] = {}

    def org(self, org_id: int) -> dict[str, Liveboard]:
        return self.liveboards.setdefault(org_id, {})

    def user_guid(self, username: str) -> str:
        user = self.users.get(username)
        if user is not None:
            return user.guid
        return str(uuid.uuid5(_AUTHOR_NAMESPACE, username))

    def default_owner(self) -> str:
        admins = [u.username for u in self.users.values() if u.admin]
        return admins[0] if admins else "tsadmin"

    def owner_of(self, liveboard: Liveboard) -> str:
        return liveboard.owner or self.default_owner()

    def view_author(self, liveboard: Liveboard, view: dict) -> str:
        """The username owning a view: its TML `author`, else who imported it."""
        author = view.get("author")
        if isinstance(author, dict) and author.get("username"):
            return str(author["username"])
        recorded = liveboard.view_owners.get(str(view.get("view_guid")))
        return recorded or self.owner_of(liveboard)
