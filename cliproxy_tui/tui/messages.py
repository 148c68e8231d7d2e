"""Messages of the dashboard: one from the proxy thread, the others from panels up to the app."""

from __future__ import annotations

from typing import Literal

from textual.message import Message

CredentialAction = Literal["disable", "enable", "refresh", "clear_cooldown"]


class EventsPending(Message):
    """Posted from the proxy thread when the event buffer went from empty to non-empty.

    At most one is in flight per drain cycle; ``can_replace`` folds any duplicate that
    slips through, so a burst never floods the app's queue.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsPending)


class CredentialActionRequested(Message):
    """The user asked for something to happen to one credential."""

    def __init__(self, action: CredentialAction, credential_id: str, label: str) -> None:
        super().__init__()
        self.action: CredentialAction = action
        self.credential_id = credential_id
        self.label = label
