"""The web process: Pub/Sub push webhook, dashboard and JSON API (`create_app`)."""

from receiver.app import create_app

__all__ = ["create_app"]
