"""``%load_ext infisical_tokens.magics``: the ``%infisical`` line magic (a thin IPython adapter over core)."""

from __future__ import annotations

from typing import Any

from .token import ServiceToken

__all__ = ["ServiceToken", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    try:
        import IPython  # noqa: F401
    except ImportError:
        raise ImportError(
            "The %infisical magic needs IPython: install `infisical-tokens[notebook]` "
            "(pip install 'infisical-tokens[notebook]')."
        ) from None
    from .completion import make_matcher
    from .magic import InfisicalMagics

    unload_ipython_extension(ipython)
    magics = InfisicalMagics(ipython)
    ipython.register_magics(magics)
    ipython.Completer.custom_matchers.append(make_matcher(magics))


def unload_ipython_extension(ipython: Any) -> None:
    from .completion import IDENTIFIER

    matchers = ipython.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != IDENTIFIER]
