"""What a new password must be: long enough, not common, not made of the person's own words.

Rules (checked wherever a password is chosen: registration, invitation, `admin create`):

1. at least `MIN_LENGTH` (12) characters, at most `MAX_LENGTH` (256);
2. at least 4 different characters (no `            `, `aaaaaaaaaaaa`, `121212121212`);
3. not a run of a keyboard row, the alphabet or digits (`0123456789ab`, `azertyuiopqs`), nor a
   frequent password;
4. once the person's own words (the parts of their e-mail address, their name), « passerelle »
   and frequent passwords are taken out, at least `MIN_REMAINDER` (8) characters remain.

Words are compared without case or accents. Messages are French: people read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from matching.text import fold_accents
from service.errors import InvalidInputError

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_DISTINCT = 4
MIN_REMAINDER = 8
CONTEXT_WORDS = ("passerelle",)

SEQUENCES = (
    "0123456789" * 4,
    "9876543210" * 4,
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
)

COMMON = frozenset(
    """
    password motdepasse mot2passe azerty qwerty qwertz soleil bonjour bonsoir salut coucou
    loulou doudou chouchou jetaime iloveyou nicolas marseille paris france liberte bienvenue
    welcome letmein admin administrateur utilisateur user login secret changeme chocolat
    football princesse princess dragon monkey sunshine master abc123 123456 1234567 12345678
    123456789 1234567890 000000 111111 123123 654321 666666 696969 azertyuiop qwertyuiop
    motdepasse123 password123 passw0rd p@ssw0rd trustno1 superman batman starwars pokemon
    doudoune camille julien thomas marie nathalie isabelle sophie mairie commune collectivite
    innovation service public demo test essai
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_NON_WORD = re.compile(r"[\W_]+")


def _folded(text: str) -> str:
    return fold_accents(text).casefold()


def _words(texts: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for text in texts:
        folded = _folded(text)
        local = folded.split("@", 1)[0]
        for piece in (folded, local, *_NON_WORD.split(folded)):
            if len(piece) >= 3:
                words.add(piece)
    return words


def password_problem(password: str, context: Iterable[str] = ()) -> str | None:
    """Why `password` is refused (a French sentence), or None when it is acceptable.

    `context`: the person's e-mail address and name.
    """
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit compter au plus {MAX_LENGTH} caractères."
    compact = "".join(_folded(password).split())
    if len(set(compact)) < MIN_DISTINCT:
        return "Le mot de passe doit mêler plus de caractères différents."
    if compact in COMMON or any(compact in sequence for sequence in SEQUENCES):
        return "Ce mot de passe est trop courant : choisissez une phrase ou des mots personnels."
    remainder = compact
    for word in sorted(_words([*context, *CONTEXT_WORDS]) | COMMON, key=len, reverse=True):
        if len(word) >= 4:
            remainder = remainder.replace(word, "")
    if len(_NON_WORD.sub("", remainder)) < MIN_REMAINDER:
        return (
            "Le mot de passe ne doit pas reposer sur votre adresse e-mail, votre nom, "
            "« passerelle » ou un mot de passe courant : ajoutez des mots à vous."
        )
    return None


def check_password(password: str, context: Iterable[str] = ()) -> None:
    """Raise a 422 naming `password` when the rules above refuse it."""
    problem = password_problem(password, context)
    if problem is not None:
        raise InvalidInputError(problem, [{"key": "password", "message": problem}])
