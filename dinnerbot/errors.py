"""Exception types. The CLI turns them into one-line messages and exit codes."""

from __future__ import annotations


class DinnerbotError(Exception):
    """Base of every error dinnerbot reports to the user."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(DinnerbotError):
    """The config file or a command-line option is wrong (exit 2)."""

    exit_code = 2


class UsageError(DinnerbotError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class SourceError(DinnerbotError):
    """A calendar or address book could not be read."""

    def __init__(self, source: str, message: str, line: int | None = None, hint: str | None = None) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}", hint)
        self.source = source
        self.line = line


class GeocodeError(DinnerbotError):
    """A place could not be found, or is ambiguous."""

    exit_code = 2


class StoreError(DinnerbotError):
    """The state database cannot be opened or written."""


class TemplateError(DinnerbotError):
    """A message template is broken."""

    exit_code = 2
