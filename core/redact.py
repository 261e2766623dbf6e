"""The one way a secret is shown partly (``mask_token``) and the one way it is kept out of text (``redact``).

Every face masks a created token with :func:`mask_token`, and every log line or server-supplied
message that could hold a token goes through :func:`redact`.
"""

from __future__ import annotations

import re

SECRET_PATTERN = re.compile(r"st\.[\w-]+\.[0-9a-f]{16,}(?:\.[0-9a-f]+)?|eyJ[\w-]+\.[\w-]+\.[\w-]+")


def mask_token(token: str) -> str:
    """``st.1a2b…****``: enough to recognise a token, never enough to use it."""
    return f"{token[:7]}…****" if len(token) > 12 else "****"


def redact(text: str) -> str:
    """``text`` with anything shaped like a service token or a JWT replaced by ``<redacted>``."""
    return SECRET_PATTERN.sub("<redacted>", text)
