"""`Accounts`: users and their Gmail mailboxes (connection, token, state, watch and push)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.column_types import format_history_id
from storage.core import StoreCore, get_mailbox
from storage.crypto import FieldCipher
from storage.enums import MailboxState, Tier
from storage.errors import MailboxConflict, NotFound, StorageError
from storage.identity import (
    ACCOUNT_EMAIL,
    GMAIL_ADDRESS,
    address_fingerprint,
    canonical_email,
    email_address_problem,
)
from storage.models import Mailbox, User
from storage.row_views import mailbox_view, user_view
from storage.views import MailboxView, UserView


class Accounts(StoreCore):
    """Users and mailboxes."""

    # The one form of an address: what is encrypted, and what its blind index is computed over.
    canonical_email = staticmethod(canonical_email)
    # Why an address (in canonical form) can never be an account's or a mailbox's, or None.
    email_address_problem = staticmethod(email_address_problem)

    # Users -------------------------------------------------------------------------------------

    def create_user(
        self, email: str, *, display_name: str | None = None, password_hash: str | None = None
    ) -> int:
        """Create an account and return its id (raises `StorageError` if the email is taken)."""
        address = _normalise_address(email, "email address")
        try:
            with self._db.session() as session:
                user = User(
                    email_enc=self._cipher.encrypt(address),
                    email_fingerprint=address_fingerprint(self._cipher, ACCOUNT_EMAIL, address),
                    display_name=display_name,
                    password_hash=password_hash,
                    created_at=self._clock(),
                )
                session.add(user)
                session.flush()
                return user.id
        except IntegrityError:
            raise StorageError(
                f"An account with the email {address} already exists; sign in instead."
            ) from None

    def user(self, user_id: int) -> UserView | None:
        """The account with this id, or None."""
        with self._db.session(read_only=True) as session:
            user = session.get(User, user_id)
            return None if user is None else user_view(self._cipher, user)

    def user_by_email(self, email: str) -> UserView | None:
        """The account with this email (in any spelling of its canonical form), or None."""
        key = _lookup_key(self._cipher, ACCOUNT_EMAIL, email)
        if key is None:
            return None
        with self._db.session(read_only=True) as session:
            user = session.scalars(select(User).where(User.email_fingerprint == key)).first()
            return None if user is None else user_view(self._cipher, user)

    def sign_in_key(self, email: str) -> str:
        """What failed sign-ins for ``email`` are counted under: the account's blind index, so
        every spelling of one address shares its count and the counter never holds an address."""
        return address_fingerprint(self._cipher, ACCOUNT_EMAIL, email)

    def end_sessions(self, user_id: int) -> None:
        """End every session of the user (sign-out, a password change): raise its version."""
        with self._db.session() as session:
            session.execute(
                update(User)
                .where(User.id == user_id)
                .values(session_version=User.session_version + 1)
                .execution_options(synchronize_session=False)
            )

    # Mailboxes ---------------------------------------------------------------------------------

    def connect_mailbox(
        self, user_id: int, gmail_address: str, *, tier: Tier, refresh_token: str | None
    ) -> int:
        """Connect (or reconnect) the user's Gmail mailbox and return its id."""
        address = _normalise_address(gmail_address, "Gmail address")
        try:
            with self._db.session() as session:
                if session.get(User, user_id) is None:
                    raise NotFound(f"There is no user with id {user_id}.")
                mailbox = self._mailbox_to_connect(session, user_id, address)
                if mailbox is None:
                    mailbox = Mailbox(
                        user_id=user_id,
                        gmail_address_enc=self._cipher.encrypt(address),
                        gmail_address_fingerprint=address_fingerprint(
                            self._cipher, GMAIL_ADDRESS, address
                        ),
                        state=MailboxState.ACTIVE,
                        tier=Tier(tier),
                        created_at=self._clock(),
                    )
                    session.add(mailbox)
                mailbox.tier = Tier(tier)
                mailbox.state = MailboxState.ACTIVE
                if refresh_token is not None:
                    mailbox.refresh_token_enc = self._cipher.encrypt(refresh_token)
                session.flush()
                return mailbox.id
        except IntegrityError:
            raise MailboxConflict(
                f"{address} or this account was connected by someone else at the same moment; "
                "reload the Integrations page and try again."
            ) from None

    def mailbox(self, mailbox_id: int) -> MailboxView:
        """The mailbox with this id (raises `NotFound`)."""
        with self._db.session(read_only=True) as session:
            return mailbox_view(self._cipher, get_mailbox(session, mailbox_id))

    def mailbox_by_address(self, address: str) -> MailboxView | None:
        """The mailbox connected for this Gmail address (any spelling of it), or None."""
        key = _lookup_key(self._cipher, GMAIL_ADDRESS, address)
        if key is None:
            return None
        with self._db.session(read_only=True) as session:
            query = select(Mailbox).where(Mailbox.gmail_address_fingerprint == key)
            mailbox = session.scalars(query).first()
            return None if mailbox is None else mailbox_view(self._cipher, mailbox)

    def mailbox_for_user(self, user_id: int) -> MailboxView | None:
        """The user's mailbox, or None when none was connected."""
        with self._db.session(read_only=True) as session:
            mailbox = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
            return None if mailbox is None else mailbox_view(self._cipher, mailbox)

    def mailboxes(self) -> list[MailboxView]:
        """Every mailbox, oldest first."""
        with self._db.session(read_only=True) as session:
            rows = session.scalars(select(Mailbox).order_by(Mailbox.id))
            return [mailbox_view(self._cipher, mailbox) for mailbox in rows]

    def refresh_token(self, mailbox_id: int) -> str | None:
        """The mailbox's decrypted OAuth refresh token, or None."""
        with self._db.session(read_only=True) as session:
            mailbox = get_mailbox(session, mailbox_id)
            return self._cipher.decrypt_optional(mailbox.refresh_token_enc)

    def set_refresh_token(self, mailbox_id: int, token: str | None) -> None:
        """Replace (or, with None, forget) the mailbox's refresh token."""
        with self._db.session() as session:
            mailbox = get_mailbox(session, mailbox_id)
            mailbox.refresh_token_enc = self._cipher.encrypt_optional(token)

    def set_mailbox_state(self, mailbox_id: int, state: MailboxState) -> None:
        """Mark the mailbox active, reconnect-needed or disconnected."""
        with self._db.session() as session:
            get_mailbox(session, mailbox_id).state = MailboxState(state)

    def record_watch(self, mailbox_id: int, *, history_id: int, expiration: datetime) -> None:
        """Store a watch's expiration; its history id becomes the cursor only if there is none."""
        format_history_id(history_id)
        with self._db.session() as session:
            mailbox = get_mailbox(session, mailbox_id)
            mailbox.watch_expiration = expiration
            session.flush()
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id, Mailbox.history_cursor.is_(None))
                .values(history_cursor=history_id)
                .execution_options(synchronize_session=False)
            )

    def record_push(self, mailbox_id: int, *, at: datetime | None = None) -> None:
        """Remember when Gmail last pushed a notification for the mailbox."""
        with self._db.session() as session:
            get_mailbox(session, mailbox_id).last_push_at = at or self._clock()

    def disconnect_mailbox(self, mailbox_id: int) -> None:
        """Forget the mailbox's token and mark it disconnected; its applications stay."""
        with self._db.session() as session:
            mailbox = get_mailbox(session, mailbox_id)
            mailbox.refresh_token_enc = None
            mailbox.state = MailboxState.DISCONNECTED
            mailbox.watch_expiration = None

    def _mailbox_to_connect(self, session: Session, user_id: int, address: str) -> Mailbox | None:
        """The user's existing mailbox for ``address`` (None: a new one), or `MailboxConflict`."""
        key = address_fingerprint(self._cipher, GMAIL_ADDRESS, address)
        query = select(Mailbox).where(Mailbox.gmail_address_fingerprint == key)
        by_address = session.scalars(query).first()
        if by_address is not None and by_address.user_id != user_id:
            raise MailboxConflict(
                f"The Gmail address {address} is already connected to another ApplyTrack "
                "account; disconnect it there first."
            )
        by_user = session.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).first()
        if by_user is not None and by_user.gmail_address_fingerprint != key:
            connected = self._cipher.decrypt(by_user.gmail_address_enc)
            raise MailboxConflict(
                f"This account already has {connected} connected; only one Gmail account per "
                f"ApplyTrack account is supported, so {address} was not connected."
            )
        return by_user


def _lookup_key(cipher: FieldCipher, scope: str, address: str) -> str | None:
    """The blind index ``address`` is found under, or None when no row can have it (nothing is
    queried then)."""
    if email_address_problem(canonical_email(address)):
        return None
    return address_fingerprint(cipher, scope, address)


def _normalise_address(address: str, what: str) -> str:
    normalised = canonical_email(address)
    problem = email_address_problem(normalised)
    if problem is not None:
        raise ValueError(
            f"The {what} {address!r} {problem}; write it like name@example.com, "
            "with no spaces or control characters."
        )
    return normalised
