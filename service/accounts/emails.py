"""E-mail addresses: one spelling per address, in a documented character set.

An address is normalised (Unicode NFKC, invisible format characters such as the zero-width
space removed, surrounding spaces trimmed, lower case) and must then be written with:

- before `@`: letters a-z, digits and ``. _ + - ' ! # $ % & * / = ? ^ ` { | } ~`` (no dot first,
  last or twice in a row), 64 characters at most;
- after `@`: a domain name of letters a-z, digits and hyphens, labels separated by dots
  (international domains in their `xn--` form), ending with a label of 2 letters or more;
- 254 characters at most in all.

So look-alike addresses cannot be registered beside an existing one: full-width letters fold to
the same address (and collide with it), a trailing zero-width space disappears, and letters
outside a-z (`а` Cyrillic, `İ` dotted capital I, `<`) are refused.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 254
_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")

INVALID_EMAIL = (
    "adresse e-mail non valide : lettres a-z sans accent, chiffres et . _ + - avant le @, "
    "puis un nom de domaine"
)


def fold_email(raw: str) -> str:
    """The address as stored and compared: NFKC, invisible characters removed, trimmed, lower."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return text.strip().lower()


def normalize_email(raw: str) -> str:
    """The stored form of `raw`; ValueError (French) when outside the documented set."""
    email = fold_email(raw)
    local, at, domain = email.rpartition("@")
    if (
        not at
        or len(email) > MAX_LENGTH
        or len(local) > 64
        or not _LOCAL.fullmatch(local)
        or not _DOMAIN.fullmatch(domain)
    ):
        raise ValueError(INVALID_EMAIL)
    return email


__all__ = ["INVALID_EMAIL", "fold_email", "normalize_email"]
