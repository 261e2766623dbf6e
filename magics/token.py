"""A created service token that shows itself masked everywhere a notebook could save it."""

from __future__ import annotations

import html
from typing import Any, NoReturn

from infisical_tokens.core.models import TokenInfo
from infisical_tokens.core.redact import mask_token


class ServiceToken:
    """Not a ``str`` on purpose: ``"x" + token`` or ``json.dumps(token)`` fail loudly instead of leaking.

    ``repr``, ``str`` and the HTML view are masked; ``.reveal()`` returns the value; pickling (and so
    ``%store``) is refused.
    """

    __slots__ = ("_value", "info")

    def __init__(self, value: str, info: TokenInfo) -> None:
        self._value = value
        self.info = info

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask_token(self._value)

    def __repr__(self) -> str:
        return f"<ServiceToken name={self.info.name!r} token={self.masked}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def _repr_html_(self) -> str:
        rows = [
            ("Name", self.info.name),
            ("Token", self.masked + " (use .reveal())"),
            ("ID", self.info.id),
            ("Project ID", self.info.project_id),
            ("Scopes", ", ".join(s.text for s in self.info.scopes)),
            ("Access", ", ".join(self.info.permissions)),
            ("Expires", self.info.expires_at or "never"),
        ]
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("ServiceToken refuses to be pickled or %store-d: it would write the token to disk.")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()
