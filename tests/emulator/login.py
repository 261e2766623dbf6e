"""What ``infisical login`` leaves on disk, written for tests and the demo: the config file and the file vault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jwcrypto import jwe, jwk

from infisical_tokens.core.session import vault_file_name


def write_config(home: Path, email: str, domain: str, **extra: Any) -> Path:
    """``~/.infisical/infisical-config.json`` as the CLI writes it after a login."""
    folder = home / ".infisical"
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "loggedInUserEmail": email,
        "LoggedInUserDomain": domain,
        "loggedInUsers": [{"email": email, "domain": domain}],
        **extra,
    }
    path = folder / "infisical-config.json"
    path.write_text(json.dumps(data))
    return path


def write_file_vault(home: Path, email: str, jwt: str, passphrase: str) -> Path:
    """The CLI's file vault entry: a PBES2 JWE (written by jwcrypto, an independent implementation) of the
    credential JSON, itself JSON-encoded as a string."""
    value = json.dumps({"email": email, "privateKey": "", "JTWToken": jwt, "RefreshToken": ""})
    token = jwe.JWE(
        plaintext=json.dumps(value).encode(),
        protected=json.dumps({"alg": "PBES2-HS256+A128KW", "enc": "A256GCM", "created": 1764280000}),
    )
    token.add_recipient(jwk.JWK.from_password(passphrase))
    folder = home / "infisical-keyring"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / vault_file_name(email)
    path.write_text(token.serialize(compact=True))
    return path
