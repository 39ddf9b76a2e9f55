"""One exception root with two kinds of failure.

`CounterError` and its subclasses are expected failures caused by the user or the
environment: they carry a translated, one-line message fit to show a clerk. Any other
exception is a bug.
"""

from __future__ import annotations


class CounterError(Exception):
    """An expected failure with a message fit for the user (already translated).

    The message says what to do in the desktop program; `command`, when given, is the
    command line's way to do it, which only the command line adds to what it prints.
    """

    def __init__(
        self, message: str, *, help_topic: str | None = None, command: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.help_topic = help_topic
        self.command = command

    def __str__(self) -> str:
        return self.message


class ValidationError(CounterError):
    """Input that breaks a rule: a bad citizen ID, an unknown procedure, a future time.

    `field` is the key of the input at fault when there is one ("id_number", "phone"):
    the message names it as the screen does, and the screen puts the focus on it.
    """

    def __init__(
        self,
        message: str,
        *,
        help_topic: str | None = None,
        field: str | None = None,
        command: str | None = None,
    ) -> None:
        super().__init__(message, help_topic=help_topic, command=command)
        self.field = field


class NotFoundError(CounterError):
    """A dossier, user or procedure that does not exist."""


class TransitionError(CounterError):
    """A lifecycle move the rules do not allow."""


class PermissionDeniedError(CounterError):
    """The acting user's role does not allow the action."""


class StorageError(CounterError):
    """The database or page store cannot be used (missing, locked, corrupt, disk full)."""


class ConfigError(CounterError):
    """The configuration of the data directory is missing or wrong."""
