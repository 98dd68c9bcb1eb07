"""Storage: models, field encryption, migrations and the data-access API (`Store`)."""

from storage.crypto import FieldCipher
from storage.database import Database
from storage.enums import EventCause, Label, MailboxState, ReviewState, Status, Tier
from storage.errors import LeaseLost, MailboxConflict, NotFound, StorageError
from storage.rotation import reencrypt_fields
from storage.store import Store
from storage.views import (
    NO_MAIL_STATUS,
    ApplicationDetail,
    ApplicationView,
    BatchOutcome,
    BehindMailbox,
    EmailRef,
    EventView,
    IncomingEmail,
    IntegrationView,
    LeasedMailbox,
    LeaseRefusal,
    LeaseRefused,
    MailboxView,
    Recorded,
    ReviewEmailView,
    SyncRunView,
    ThreadApplication,
    UserView,
)

__all__ = [
    "NO_MAIL_STATUS",
    "ApplicationDetail",
    "ApplicationView",
    "BatchOutcome",
    "BehindMailbox",
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
    "Recorded",
    "ReviewEmailView",
    "ReviewState",
    "Status",
    "StorageError",
    "Store",
    "SyncRunView",
    "ThreadApplication",
    "Tier",
    "UserView",
    "reencrypt_fields",
]
