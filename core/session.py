"""Where credentials come from, and where they may be sent.

Order: ``INFISICAL_TOKEN`` (a bearer token), then the Infisical CLI's own login:
``~/.infisical/infisical-config.json`` plus the OS keyring (service ``infisical-cli``, account =
email) or the CLI's ``file`` vault (``~/infisical-keyring/``, JWE). ``keyring`` and ``cryptography``
are imported only when needed, so a missing one costs one feature, with a message, not start-up.

Trust rule: credentials go only to the instance the user logged in to or chose outside the
repository (``--domain``, ``INFISICAL_DOMAIN``); a ``domain`` in a repository's ``.infisical.json``
that differs is reported and never used silently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from .api_url import DEFAULT_API_URL, check_api_url, normalize_api_url
from .errors import ConfigError, SessionError, TrustError
from .project_config import ProjectConfig
from .record import field, record

KEYRING_SERVICE = "infisical-cli"
CONFIG_RELATIVE = Path(".infisical") / "infisical-config.json"
VAULT_DIR = "infisical-keyring"
LOGIN_HINT = "run [infisical login], or set INFISICAL_TOKEN"
NOT_LOGGED_IN = f"You must be logged in to run this command. To login, {LOGIN_HINT}."
EXPIRED = "Your login session has expired. Please run [infisical login]"
MAX_PBKDF2_ITERATIONS = 1_000_000  # the CLI's vault writes 8192; more is a trap, not protection
NO_LOGIN_DETAILS = (
    "we couldn't find your logged in details, try running [infisical login] then try again (or set INFISICAL_TOKEN)."
)

TokenKind = Literal["user", "identity", "service", "unknown"]


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, read without verification (as the CLI does to check expiry)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def token_kind(token: str) -> TokenKind:
    if token.startswith("st."):
        return "service"
    claims = jwt_claims(token)
    if claims is None:
        return "unknown"
    if claims.get("authTokenType") == "identityAccessToken":
        return "identity"
    if claims.get("authTokenType") == "accessToken":
        return "user"
    return "unknown"


def service_token_bearer(token: str) -> str:
    """What goes after ``Bearer``: the first three dot-segments (``st.<id>.<secret>``)."""
    return ".".join(token.split(".")[:3])


@record
class Credentials:
    token: str = field(repr=False)
    source: str  # "INFISICAL_TOKEN", "keyring", "file vault"
    email: str | None = None
    login_api_url: str | None = None  # LoggedInUserDomain, normalised

    @property
    def kind(self) -> TokenKind:
        return token_kind(self.token)

    @property
    def bearer(self) -> str:
        return service_token_bearer(self.token) if self.kind == "service" else self.token


# ---------------------------------------------------------------------- the CLI's config and vaults


@record
class CliConfig:
    email: str
    domain: str
    vault: str
    passphrase: str | None


def read_cli_config(home: Path) -> CliConfig | None:
    path = home / CONFIG_RELATIVE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as err:
        raise ConfigError(f"Cannot read the Infisical CLI config {path}: {type(err).__name__}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("loggedInUserEmail"), str) or not raw["loggedInUserEmail"]:
        return None
    passphrase = None
    if raw.get("vaultBackendPassphrase"):
        try:
            passphrase = base64.b64decode(str(raw["vaultBackendPassphrase"])).decode()
        except (ValueError, UnicodeDecodeError):
            passphrase = None
    vault = raw.get("vaultBackendType") or "auto"
    return CliConfig(
        email=str(raw["loggedInUserEmail"]),
        domain=str(raw.get("LoggedInUserDomain") or ""),
        vault="file" if vault == "file" else "auto",
        passphrase=passphrase,
    )


def keyring_entry(platform: str, email: str) -> tuple[str, str]:
    """The (service, account) under which keyring's backend for ``platform`` finds the CLI's login.

    The CLI's go-keyring files it in the macOS Keychain and the Secret Service as service ``infisical-cli``,
    account = email, but in the Windows Credential Manager as one generic credential whose target is
    ``infisical-cli:<email>``; keyring's Windows backend reads the target named by its service argument.
    """
    if platform == "win32":
        return f"{KEYRING_SERVICE}:{email}", email
    return KEYRING_SERVICE, email


def _undo_utf16(value: str) -> str:
    """go-keyring stores the login as UTF-8 bytes; keyring's Windows backend decodes a credential as UTF-16 first,
    which turns an even-length login into unreadable text. Recover the bytes it read."""
    if value.startswith(("{", '"', "go-keyring-")):
        return value
    try:
        return value.encode("utf-16-le").decode("utf-8")
    except UnicodeError:
        return value


def _decode_go_keyring(value: str) -> str:
    """zalando/go-keyring on macOS stores ``go-keyring-base64:`` or ``go-keyring-encoded:`` (hex) values."""
    if value.startswith("go-keyring-base64:"):
        return base64.b64decode(value[len("go-keyring-base64:") :]).decode()
    if value.startswith("go-keyring-encoded:"):
        return bytes.fromhex(value[len("go-keyring-encoded:") :]).decode()
    return value


def _token_from_value(value: Any, where: str) -> str:
    """``JTWToken`` from the stored credential JSON (tolerating the file vault's double encoding)."""
    for _ in range(3):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                break
        elif isinstance(value, dict) and "Data" in value and "JTWToken" not in value:
            try:
                value = base64.b64decode(str(value["Data"])).decode()
            except (ValueError, UnicodeDecodeError):
                break
        else:
            break
    if isinstance(value, dict) and isinstance(value.get("JTWToken"), str) and value["JTWToken"]:
        token = str(value["JTWToken"]).strip()
        if token.isascii() and token.isprintable():
            return token
    raise SessionError(f"The Infisical login stored in {where} has no access token; {LOGIN_HINT}.")


def read_os_keyring(email: str, platform: str = sys.platform) -> str:
    """The CLI's login from the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager)."""
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise SessionError(
            f"The 'keyring' package is not installed, so your Infisical CLI login cannot be read; {LOGIN_HINT}."
        ) from None
    try:
        value = keyring.get_password(*keyring_entry(platform, email))
    except keyring.errors.NoKeyringError:
        raise SessionError(
            "No OS keyring is available to read your Infisical CLI login (service 'infisical-cli'). "
            "Set INFISICAL_TOKEN, or log in with the CLI's file vault (`infisical vault set file`)."
        ) from None
    except keyring.errors.KeyringError as err:
        raise SessionError(f"failed to fetch credentials from keyring because [err={err}]") from None
    if value is None:
        raise SessionError(NO_LOGIN_DETAILS)
    if platform == "win32":
        value = _undo_utf16(value)
    return _token_from_value(_decode_go_keyring(value), "the OS keyring")


def vault_file_name(key: str) -> str:
    """mtibben/percent escaping used by the file vault: ``%`` -> ``%25``, ``/`` -> ``%2F``."""
    return key.replace("%", "%25").replace("/", "%2F")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decrypt_jwe(compact: str, passphrase: str) -> bytes:
    """Decrypt a PBES2-HS256+A128KW / A256GCM compact JWE, as written by the CLI's file vault."""
    try:
        return _decrypt_jwe(compact, passphrase)
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error, zlib.error, RecursionError):
        raise SessionError("The Infisical file vault entry is damaged; run [infisical login] again.") from None


def _decrypt_jwe(compact: str, passphrase: str) -> bytes:
    try:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
    except ImportError:
        raise SessionError(
            "Reading the Infisical CLI's file vault needs the 'cryptography' package "
            "(pip install 'infisical-tokens[vault]'), or set INFISICAL_TOKEN."
        ) from None
    parts = compact.strip().split(".")
    if len(parts) != 5:
        raise SessionError("The file vault entry is not a JWE; run [infisical login] again.")
    header = json.loads(_b64url_decode(parts[0]))
    if not isinstance(header, dict):
        raise ValueError("header")
    alg, enc = header.get("alg"), header.get("enc")
    if not str(alg).startswith("PBES2-HS") or enc not in ("A128GCM", "A192GCM", "A256GCM"):
        raise SessionError(f"Unsupported file vault encryption {alg}/{enc}.")
    bits = int(str(alg)[8:11])
    key_bytes = {"A128KW": 16, "A192KW": 24, "A256KW": 32}[str(alg).rsplit("+", 1)[1]]
    salt = str(alg).encode() + b"\x00" + _b64url_decode(header["p2s"])
    iterations = header.get("p2c")
    if not isinstance(iterations, int) or not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
        raise SessionError(
            f"The file vault entry asks for {str(iterations)[:20]} key-derivation rounds (at most "
            f"{MAX_PBKDF2_ITERATIONS:,} are accepted); run [infisical login] again."
        )
    kek = hashlib.pbkdf2_hmac(f"sha{bits}", passphrase.encode(), salt, iterations, dklen=key_bytes)
    try:
        cek = aes_key_unwrap(kek, _b64url_decode(parts[1]))
        plain = AESGCM(cek).decrypt(
            _b64url_decode(parts[2]), _b64url_decode(parts[3]) + _b64url_decode(parts[4]), parts[0].encode()
        )
    except (InvalidUnwrap, InvalidTag):
        raise SessionError("Could not unlock the Infisical file vault: the passphrase is wrong.") from None
    if header.get("zip") == "DEF":
        inflater = zlib.decompressobj(-15)
        plain = inflater.decompress(plain, 1_000_000)  # a login is a few KB: refuse a decompression bomb
        if inflater.unconsumed_tail:
            raise ValueError("too large")
    return plain


def read_file_vault(home: Path, email: str, passphrase: str | None) -> str:
    path = home / VAULT_DIR / vault_file_name(email)
    if not passphrase:
        raise SessionError(
            f"The Infisical CLI keeps your login in the file vault {path.parent}; set "
            "INFISICAL_VAULT_FILE_PASSPHRASE to unlock it, or set INFISICAL_TOKEN."
        )
    try:
        compact = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(NO_LOGIN_DETAILS) from None
    except OSError as err:
        raise SessionError(f"Cannot read the Infisical file vault entry {path}: {err}") from None
    return _token_from_value(decrypt_jwe(compact, passphrase).decode(), f"the file vault {path.parent}")


def check_token_text(token: str, where: str) -> str:
    """A token as text that can be a token at all: a line break would split the HTTP header it goes into."""
    if token and (not token.isascii() or not token.isprintable()):
        raise SessionError(
            f"{where} holds a line break, a control character or a non-ASCII character, so it cannot be a "
            "token (was it pasted with extra text?). Give the token alone."
        )
    return token


def login_api_url(config: CliConfig, home: Path) -> str | None:
    """The API URL of the instance the CLI logged in to, checked as ``--domain`` is (it can hold a password too)."""
    if not config.domain.strip():
        return None
    return normalize_api_url(check_api_url(config.domain, f"LoggedInUserDomain in {home / CONFIG_RELATIVE}"))


def load_cli_login(home: Path, env: Mapping[str, str], now: float | None = None) -> Credentials:
    config = read_cli_config(home)
    if config is None:
        raise SessionError(NOT_LOGGED_IN)
    login_url = login_api_url(config, home)
    if config.vault == "file":
        passphrase = env.get("INFISICAL_VAULT_FILE_PASSPHRASE") or config.passphrase
        token = read_file_vault(home, config.email, passphrase)
        source = "file vault"
    else:
        token = read_os_keyring(config.email)
        source = "keyring"
    claims = jwt_claims(token) or {}
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp < (time.time() if now is None else now) + 30:
        raise SessionError(EXPIRED)
    return Credentials(token, source, config.email, login_url)


def load_credentials(env: Mapping[str, str], home: Path, now: float | None = None) -> Credentials:
    """``INFISICAL_TOKEN`` first, then the Infisical CLI's login; SessionError when neither works."""
    token = check_token_text(env.get("INFISICAL_TOKEN", "").strip(), "INFISICAL_TOKEN")
    if token:
        claims = jwt_claims(token)
        if (
            claims
            and isinstance(claims.get("exp"), (int, float))
            and claims["exp"] < (time.time() if now is None else now)
        ):
            raise SessionError(
                "INFISICAL_TOKEN has expired; get a new access token (or unset it to use your CLI login)."
            )
        return Credentials(token, "INFISICAL_TOKEN")
    return load_cli_login(home, env, now)


# ---------------------------------------------------------------------- where to send them


@record
class Target:
    api_url: str
    notes: tuple[str, ...] = ()  # warnings for the person (e.g. an ignored repository domain)


def _explicit_domain(flag_domain: str | None, env: Mapping[str, str], where: str) -> tuple[str, str] | None:
    """The URL the person chose and the name of where it came from (``where``: a flag or a setting's name)."""
    if flag_domain is not None:
        if not flag_domain.strip():
            raise ConfigError(f"{where} is empty (an unset variable?): give the URL, or leave it out.")
        return check_api_url(flag_domain.strip(), where), where
    for name in ("INFISICAL_DOMAIN", "INFISICAL_API_URL"):
        if env.get(name, "").strip():
            return check_api_url(env[name].strip(), name), name
    return None


def resolve_target(
    flag_domain: str | None,
    env: Mapping[str, str],
    project: ProjectConfig | None,
    credentials: Credentials | None,
    where: str = "--domain",
) -> Target:
    """The API URL to use, applying the CLI's resolution order and the trust rule; ``where`` names the source of
    ``flag_domain`` in errors (a notebook's or an editor's setting is not ``--domain``)."""
    notes: list[str] = []
    explicit = _explicit_domain(flag_domain, env, where)
    repo = ""
    if project is not None and project.domain:
        if re.match(r"https?://", project.domain):
            repo = normalize_api_url(project.domain)
        else:
            notes.append(
                f"The 'domain' field in {project.path} is not a valid URL (must start with http:// or https://). "
                "It will be ignored."
            )
    login = credentials.login_api_url if credentials is not None else None

    if login:
        if explicit and normalize_api_url(explicit[0]) != login:
            raise TrustError(
                f"You are logged in to {login}, but {explicit[1]} asks for {normalize_api_url(explicit[0])}. "
                f"Your login is only valid where you logged in: run `infisical login --domain {explicit[0]}`, "
                "or set INFISICAL_TOKEN for that instance."
            )
        if repo and repo != login and project is not None:
            notes.append(
                f"Ignoring domain '{project.domain}' from {project.path}: you are logged in to {login}, "
                "and your credentials go only there."
            )
        return Target(login, tuple(notes))
    if explicit:
        return Target(normalize_api_url(explicit[0]), tuple(notes))
    if repo and repo != DEFAULT_API_URL and project is not None:
        if credentials is None:
            notes.append(f"Using domain '{project.domain}' from {project.path} (no credentials are sent).")
            return Target(repo, tuple(notes))
        raise TrustError(
            f"{project.path} asks to send your credentials to '{project.domain}'. A repository cannot choose where "
            f"your token goes: to use that instance, pass --domain {project.domain} or set INFISICAL_DOMAIN."
        )
    return Target(DEFAULT_API_URL, tuple(notes))


def resolve_held_target(flag_domain: str | None, env: Mapping[str, str], home: Path, where: str = "--domain") -> Target:
    """Where a service token the person holds may go: where they chose, else the instance they logged in to
    (its config only: the login's own credentials are not read), else Infisical Cloud; never the repository's."""
    explicit = _explicit_domain(flag_domain, env, where)
    if explicit:
        return Target(normalize_api_url(explicit[0]))
    config = read_cli_config(home)
    return Target((login_api_url(config, home) if config is not None else None) or DEFAULT_API_URL)


def custom_headers(env: Mapping[str, str]) -> dict[str, str]:
    """``INFISICAL_CUSTOM_HEADERS`` (``k1=v1 k2="v 2" k3='v3'``); User-Agent and Accept are ignored."""
    raw = env.get("INFISICAL_CUSTOM_HEADERS", "")
    headers: dict[str, str] = {}
    pattern = re.compile(r"\s*([^\s=]+)=(\"[^\"]*\"|'[^']*'|[^\s\"']*)(?=\s|$)")
    position = 0
    raw_stripped = raw.rstrip()
    while position < len(raw_stripped):
        match = pattern.match(raw_stripped, position)
        if match is None:
            shown = "".join(c if c.isprintable() else "?" for c in raw)[:200]
            raise ConfigError(
                "INFISICAL_CUSTOM_HEADERS: invalid custom header format. Expected "
                f'"headerKey1=value1 headerKey2=value2 ...." but got {shown}'
            )
        key, value = match.group(1), match.group(2)
        if value[:1] in "\"'" and len(value) >= 2:
            value = value[1:-1]
        if not all(c.isprintable() and ord(c) < 256 for c in key + value):
            raise ConfigError(
                f"INFISICAL_CUSTOM_HEADERS: the header '{key[:40]}' holds a character HTTP headers cannot carry "
                "(a control character, or one outside Latin-1)."
            )
        if key.lower() not in ("user-agent", "accept", "authorization"):
            headers[key] = value
        position = match.end()
    return headers
