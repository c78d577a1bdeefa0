"""`POST /auth/token/full` and the bearer check every other endpoint makes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .error_bodies import (
    BAD_CREDENTIALS,
    INVALID_REQUEST,
    INVALID_TOKEN,
    TRUSTED_AUTH_DISABLED,
    ApiError,
)
from .state import Token, User, now_ms

if TYPE_CHECKING:
    from .emulator import Emulator

DEFAULT_VALIDITY_SECONDS = 300


@dataclass
class Caller:
    user: User
    org_id: int
    token: Token


def issue_token(emu: Emulator, body: dict) -> dict:
    username = body.get("username")
    password = body.get("password") or ""
    secret_key = body.get("secret_key") or ""
    if not isinstance(username, str) or not username:
        raise ApiError(400, INVALID_REQUEST, "username is required.")
    if not password and not secret_key:
        raise ApiError(
            400, INVALID_REQUEST, "Either secret_key or password must be provided."
        )
    # The spec says the secret key wins when both are sent.
    if secret_key and not emu.trusted_auth_enabled:
        raise ApiError(
            403,
            TRUSTED_AUTH_DISABLED,
            "Trusted authentication is not enabled for this cluster or Org.",
        )
    user = emu.store.users.get(username)
    expected = None
    if user is not None:
        expected = user.secret_key if secret_key else user.password
    given = secret_key or password
    if not expected or not hmac.compare_digest(str(expected), str(given)):
        raise ApiError(
            401,
            BAD_CREDENTIALS,
            "Invalid credentials. Check the username, password or secret key.",
        )
    assert user is not None
    org_id = body.get("org_id", user.orgs[0] if user.orgs else 0)
    if not isinstance(org_id, int) or org_id not in user.orgs:
        raise ApiError(
            401, BAD_CREDENTIALS, f"User {username} has no access to Org {org_id}."
        )
    validity = body.get("validity_time_in_sec", DEFAULT_VALIDITY_SECONDS)
    if not isinstance(validity, int):
        raise ApiError(400, INVALID_REQUEST, "validity_time_in_sec must be an integer.")
    created = now_ms()
    token = Token(
        value=secrets.token_urlsafe(32),
        username=username,
        org_id=org_id,
        created_ms=created,
        expires_ms=created + validity * 1000,
    )
    emu.store.tokens[token.value] = token
    return {
        "token": token.value,
        "creation_time_in_millis": token.created_ms,
        "expiration_time_in_millis": token.expires_ms,
        "scope": {"access_type": "FULL", "org_id": org_id, "metadata_id": None},
        "valid_for_user_id": user.guid,
        "valid_for_username": user.username,
    }


def authenticate(emu: Emulator, headers: Any) -> Caller:
    """The caller behind `Authorization: Bearer <token>`, or a 401."""
    header = headers.get("Authorization") or ""
    scheme, _, value = header.partition(" ")
    token = emu.store.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
    user = emu.store.users.get(token.username) if token else None
    if token is None or user is None or not token.valid():
        raise ApiError(401, INVALID_TOKEN, "Token is expired or invalid.")
    return Caller(user=user, org_id=token.org_id, token=token)
