"""``%load_ext infisical_tokens.magics``: the ``%infisical`` line magic (a thin IPython adapter over core)."""

from __future__ import annotations

from typing import Any

from .token import ServiceToken

__all__ = ["ServiceToken", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    from .completion import infisical_matcher
    from .magic import InfisicalMagics

    ipython.register_magics(InfisicalMagics(ipython))
    if infisical_matcher not in ipython.Completer.custom_matchers:
        ipython.Completer.custom_matchers.append(infisical_matcher)


def unload_ipython_extension(ipython: Any) -> None:
    from .completion import infisical_matcher

    if infisical_matcher in ipython.Completer.custom_matchers:
        ipython.Completer.custom_matchers.remove(infisical_matcher)
