"""An API URL as the Infisical CLI writes it, and which URLs a credential may be sent to: text in, text out.

Apart from :mod:`session` (which reads logins from disk and the OS keyring) so that the editor engine can compare
URLs without importing anything that does.
"""

from __future__ import annotations

from .errors import ConfigError

DEFAULT_API_URL = "https://app.infisical.com/api"  # where the Infisical CLI sends requests when nothing says


def check_api_url(url: str, where: str) -> str:
    """A URL credentials may be sent to: http(s), a host, no login, query or fragment, no control characters.

    A refused URL is never echoed whole: a login (``u:pw@``), a query (``?p=pw``) or a fragment (``#@u:pw``)
    can hold a password, and a ``?`` or ``#`` would swallow the ``/api`` path appended to the URL.
    """
    from urllib.parse import urlsplit

    text = url.strip()
    printable = "".join(c if c.isprintable() else "?" for c in text)[:200]
    shown = "a URL holding '@', '?' or '#'" if any(c in text for c in "@?#") else f"'{printable}'"
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or not (text.isprintable() and text):
        raise ConfigError(f"{where} must be an http:// or https:// URL with a host, not {shown}.")
    if "@" in parts.netloc:
        raise ConfigError(
            f"{where} holds a user name or password ({parts.scheme}://{host} with a login before the host). "
            "Credentials do not belong in the URL: log in with `infisical login`, or set INFISICAL_TOKEN."
        )
    if "?" in text or "#" in text:
        raise ConfigError(
            f"{where} holds a query ('?...') or a fragment ('#...') after {parts.scheme}://{host}: an API URL is a "
            "scheme, a host, a port and a path, nothing more (the rest would hide the /api path, and may hold a "
            "secret). Give the URL without it."
        )
    return text


def normalize_api_url(url: str) -> str:
    """The CLI's ``AppendAPIEndpoint``: make the URL end in ``/api`` (and nothing cleverer)."""
    url = url.strip()
    if url == "" or url.endswith("/api"):
        return url
    if url.endswith("/"):
        return url + "api"
    return url + "/api"
