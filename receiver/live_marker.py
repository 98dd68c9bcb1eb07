"""The change marker a live page carries (`receiver/static/live.js` polls for a different one).

A page must take its marker *before* it reads what it shows: taken after, a change that lands
while the page is being built (a sync finishing, a mailbox turning to "Reconnect needed") would be
in the marker but not on the page, and the page would never refresh. Taken before, such a change
costs one refresh that finds nothing new.
"""

from __future__ import annotations

from flask import g

from receiver.context import receiver_context
from receiver.current_user import current_user_id

_MARKER_KEY = "applytrack_live_marker"


def take_live_marker() -> None:
    """Read the signed-in user's change marker now, for the page this request renders."""
    setattr(g, _MARKER_KEY, _read_marker())


def live_marker() -> str:
    """The marker taken for this request, else one read now (a page that reads nothing live)."""
    marker = getattr(g, _MARKER_KEY, None)
    return marker if marker is not None else _read_marker()


def _read_marker() -> str:
    user_id = current_user_id()
    if user_id is None:
        return ""
    return receiver_context().store.change_marker(user_id)
