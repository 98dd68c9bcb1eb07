"""`ApiTokens`: personal API tokens for the JSON API. Only a keyed hash of each is stored, so a
token is shown once, when it is created; a revoked token stops working at once."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from storage.applications import is_row_id
from storage.core import StoreCore
from storage.errors import InvalidChange, NotFound
from storage.models import ApiToken
from storage.views import ApiTokenView, NewApiToken

TOKEN_PREFIX = "at_"
_TOKEN_BYTES = 32
_HINT_LENGTH = 10  # "at_" and 7 characters: enough to tell tokens apart, far too few to guess
_NAME_LIMIT = 100
_HASH_SCOPE = "api-token"


class ApiTokens(StoreCore):
    """Create, list, revoke and check personal API tokens."""

    def create_api_token(self, user_id: int, name: str) -> NewApiToken:
        """A new token for the user; its secret is in the result and nowhere else."""
        name = _checked_name(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
        now = self._clock()
        with self._db.session() as session:
            row = ApiToken(
                user_id=user_id,
                name=name,
                token_hash=self._hash(token),
                hint=token[:_HINT_LENGTH],
                created_at=now,
            )
            session.add(row)
            session.flush()
            return NewApiToken(view=_view(row), token=token)

    def api_tokens(self, user_id: int) -> list[ApiTokenView]:
        """The user's tokens that are not revoked, newest first."""
        query = (
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
        with self._db.session(read_only=True) as session:
            return [_view(row) for row in session.scalars(query)]

    def revoke_api_token(self, user_id: int, token_id: int) -> None:
        """Revoke one of the user's tokens (raises `NotFound` for another's or a revoked one)."""
        with self._db.session() as session:
            row = session.get(ApiToken, token_id) if is_row_id(token_id) else None
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                raise NotFound(f"You have no API token with id {token_id}.")
            row.revoked_at = self._clock()

    def user_for_api_token(self, token: str) -> int | None:
        """The user a live token belongs to (None: unknown or revoked); notes when it was used."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self._db.session() as session:
            row = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == self._hash(token))
            ).first()
            if row is None or row.revoked_at is not None:
                return None
            row.last_used_at = self._clock()
            return row.user_id

    def _hash(self, token: str) -> str:
        return self._cipher.fingerprint(_HASH_SCOPE, token)


def _checked_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidChange("name", "name is required: say what the token is for.")
    name = name.strip()
    if len(name) > _NAME_LIMIT:
        raise InvalidChange("name", f"name must be at most {_NAME_LIMIT} characters long.")
    if any(not char.isprintable() for char in name):
        raise InvalidChange("name", "name must not contain control characters.")
    return name


def _view(row: ApiToken) -> ApiTokenView:
    return ApiTokenView(
        id=row.id,
        name=row.name,
        hint=row.hint,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )
