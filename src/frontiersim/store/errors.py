"""The run store's one exception, importable without the store's database engine."""


class StoreError(Exception):
    """A problem with the run store: a bad path, a locked or newer store, an unknown run id.

    The message is one line, fit to show a user as is.
    """
