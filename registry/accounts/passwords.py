"""The password policy (ASVS V2.1): 12+ characters, not a common password, not the username.

The demo accounts' password is printed in the README, so it is refused for every account the
registry creates outside the demo loader, and refused at sign-in in production: an instance
where `registry demo` once ran cannot be entered with it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from registry.errors import InvalidValue

MIN_PASSWORD_LENGTH = 12
# Passwords published with the registry (README, demo data); never valid for a real account.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo password, refused below
KNOWN_DEMO_PASSWORDS = frozenset({DEMO_PASSWORD})


COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase), read once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def is_demo_password(password: str) -> bool:
    """Whether `password` is one the registry itself published."""
    return password in KNOWN_DEMO_PASSWORDS


def check_password(
    password: str, username: str = "", allow_demo: bool = False, field: str = "password"
) -> None:
    """Refuse a password that is short, common, a published demo password, or holds the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            field,
            "must be at least %(MIN_PASSWORD_LENGTH)s characters long",
            MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
        )
    if is_demo_password(password) and not allow_demo:
        raise InvalidValue(field, "is the published demo password; choose your own")
    if password.lower() in common_passwords():
        raise InvalidValue(field, "is on the list of common passwords; choose a less guessable one")
    if username and username.lower() in password.lower():
        raise InvalidValue(field, "must not contain the username")
