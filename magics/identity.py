"""A migrated machine identity whose client secret shows itself masked everywhere a notebook could save it."""

from __future__ import annotations

import html
from typing import Any, NoReturn

from infisical_tokens.core.migration import Migrated, mask_client_secret


class MachineIdentity:
    """Like :class:`ServiceToken`: ``repr``, ``str`` and the HTML view mask the client secret (the server's own
    4-character prefix and ``****``); ``.reveal()`` returns it; pickling (and so ``%store``) is refused."""

    __slots__ = ("_secret", "client_id", "identity_id", "name", "outcome")

    def __init__(self, outcome: Migrated) -> None:
        self._secret = outcome.client_secret
        self.outcome = outcome
        self.identity_id, self.client_id, self.name = outcome.identity_id, outcome.client_id, outcome.plan.name

    def reveal(self) -> str:
        """The client secret itself (it will be saved with the notebook if printed)."""
        return self._secret

    @property
    def masked(self) -> str:
        return mask_client_secret(self._secret)

    def __repr__(self) -> str:
        return (
            f"<MachineIdentity name={self.name!r} id={self.identity_id} client_id={self.client_id} "
            f"client_secret={self.masked}>"
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def _rows(self) -> list[tuple[str, str]]:
        done = self.outcome
        token = done.plan.token
        old = "deleted" if done.token_deleted else f"kept{f' ({done.delete_error})' if done.delete_error else ''}"
        return [
            ("Identity", f"{self.name} ({self.identity_id})"),
            ("Client ID", self.client_id),
            ("Client secret", self.masked + " (use .reveal())"),
            ("Service token", f"{token.name} ({token.id}): {old}"),
            *(("CI", line) for line in done.plan.ci_lines(self.client_id)),
            *(("No exact equivalent", d.message) for d in done.plan.differences),
        ]

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self._rows())
        return f"<table>{body}</table>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("MachineIdentity refuses to be pickled or %store-d: it would write the client secret to disk.")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()
