"""Storage: models, field encryption, migrations and the data-access API (`Store`)."""

from storage.crypto import FieldCipher
from storage.database import Database
from storage.enums import EventCause, Label, MailboxState, ReviewState, Status, Tier
from storage.errors import LeaseLost, MailboxConflict, NotFound, StorageError
from storage.rotation import reencrypt_fields
from storage.store import Store
from storage.views import (
    ApplicationDetail,
    ApplicationView,
    BatchOutcome,
    EmailRef,
    EventView,
    IncomingEmail,
    IntegrationView,
    LeasedMailbox,
    LeaseRefusal,
    LeaseRefused,
    MailboxView,
    ReviewEmailView,
    SyncRunView,
    UserView,
)

__all__ = [
    "ApplicationDetail",
    "ApplicationView",
    "BatchOutcome",
    "Database",
    "EmailRef",
    "EventCause",
    "EventView",
    "FieldCipher",
    "IncomingEmail",
    "IntegrationView",
    "Label",
    "LeaseLost",
    "LeaseRefusal",
    "LeaseRefused",
    "LeasedMailbox",
    "MailboxConflict",
    "MailboxState",
    "MailboxView",
    "NotFound",
    "ReviewEmailView",
    "ReviewState",
    "Status",
    "StorageError",
    "Store",
    "SyncRunView",
    "Tier",
    "UserView",
    "reencrypt_fields",
]
