"""The parties' secrets: tracking codes and satisfaction-link tokens. Each is random (``secrets``), shown once
and kept only as a keyed hash (HMAC-SHA256 under ``SECRET_KEY``: a copy of the database alone does not let
anyone try codes offline). Rotating ``SECRET_KEY`` ends every code and link; workers can re-issue codes."""

import hmac
import re
import secrets
import unicodedata

from django.utils.crypto import salted_hmac

# 31 characters a person reads off paper or a phone without confusion (no 0/O, 1/I/L); 12 of them ≈ 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
CODE_GROUP = 4
LINK_TOKEN_BYTES = 24  # 32 URL-safe characters, 192 bits
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_SALT = "cases.tokens"


def secret_digest(value: str) -> str:
    """The keyed hash stored for a secret (64 hexadecimal characters)."""
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()


# Compared against when there is no stored hash, so that an unknown reference costs what a wrong code does.
NO_DIGEST = "0" * 64


def digests_match(value: str, digest: str | None) -> bool:
    """Whether ``value`` hashes to ``digest``, in constant time; with no ``digest``, the same work, then False."""
    computed = secret_digest(value)
    matched = hmac.compare_digest(computed, digest or NO_DIGEST)
    return matched and digest is not None


def tracking_code_new() -> str:
    """A fresh tracking code, as the receipt prints it: ``ABCD-EFGH-JKLM``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[start : start + CODE_GROUP] for start in range(0, CODE_LENGTH, CODE_GROUP))


def tracking_code_normalised(code: str) -> str:
    """What a party typed, as it is hashed: capitals, without spaces or dashes (``abcd efgh-jklm`` reads as the
    printed ``ABCD-EFGH-JKLM``; full-width characters from a Chinese input method read as their ASCII)."""
    return re.sub(r"[\s\-‐-―]", "", unicodedata.normalize("NFKC", code or "")).upper()


def link_token_new() -> str:
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)
