"""Development keys: the shared keys of `HC_API_KEYS` / `HC_API_KEY_FILE`, each acting as the `service` principal `dev`.

Keys come from `HC_API_KEYS` (comma-separated) and/or `HC_API_KEY_FILE` (one per line, `#` comments); production
refuses them (`api.startup`). Named principals (`api.principals`) are what people and applications use. A key is
never logged; a wrong or missing key gives 401.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from common.settings import Settings

MIN_KEY_LENGTH = 16


class KeyConfigError(ValueError):
    """No usable API key is configured."""


def load_keys(settings: Settings) -> tuple[bytes, ...]:
    """Every accepted key, as bytes.

    Raises:
        KeyConfigError: none configured, a key file that cannot be read, or a key shorter than 16 characters.
    """
    keys = [k.strip() for k in settings.api_keys.split(",") if k.strip()]
    if settings.api_key_file is not None:
        path = Path(settings.api_key_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise KeyConfigError(f"cannot read the API key file {path}: {error.strerror}") from None
        keys += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not keys:
        raise KeyConfigError("no development key configured (HC_API_KEYS or HC_API_KEY_FILE)")
    short = [k for k in keys if len(k) < MIN_KEY_LENGTH]
    if short:
        raise KeyConfigError(f"{len(short)} API key(s) shorter than {MIN_KEY_LENGTH} characters: use longer random keys")
    return tuple(k.encode() for k in keys)


def new_key() -> str:
    """A random development key."""
    return "dev-" + secrets.token_urlsafe(24)
