"""Every error a stage raises for a caller to handle: one place, so the API and the CLI map each to
a status or a message without importing the stage that raised it."""

from __future__ import annotations


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


class DatabaseUnavailable(StoreUnavailable):
    """The shared database (PostgreSQL) cannot be reached."""


class IngestBusy(RuntimeError):
    """Another ingest or sync holds the database's ingest lock (on this replica or another) and did
    not finish within the wait."""


class NotFoundError(LookupError):
    """A requested resource (e.g. a document id) does not exist, or the caller may not see it:
    the two are reported alike."""


class ConversationNotFound(LookupError):
    """No conversation with this id for this caller (never started, expired, or someone else's)."""


class ConfigError(ValueError):
    """A user-editable file (e.g. the committee alias file) is malformed; the message says where."""


class AccessDenied(Exception):
    """The caller may not do this (401: no valid key; 403: the role does not allow it)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class LoadError(Exception):
    """A file that cannot be read as a committee paper; the message says why."""


class MetadataError(ValueError):
    """A sidecar file that cannot be applied; the message names the file and field."""


class InvalidInput(ValueError):
    """A request that is well formed but cannot be done as asked (e.g. regenerating the answer of
    an empty conversation); the message starts with the field at fault."""


class StorageFull(RuntimeError):
    """A store cannot write because its database or disk is full; nothing already stored is lost."""
