"""The stand-in's test accounts and their generated avatars."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class TestUser:
    """One account on the account chooser; ``login`` is what login_hint names."""

    login: str
    sub: str
    name: str
    email: str
    colour: str

    @property
    def given_name(self) -> str:
        """The first word of the name, as Google's given_name claim."""
        return self.name.split()[0]

    @property
    def family_name(self) -> str:
        """The rest of the name, as Google's family_name claim."""
        return self.name.partition(" ")[2]


# Google's sub is a stable decimal string of up to 21 digits.
USERS: dict[str, TestUser] = {u.login: u for u in (
    TestUser("julie", "104650192837465012345", "Julie Martin", "julie@pettube.test", "#7b1fa2"),
    TestUser("bob", "117263548901234567890", "Bob Okafor", "bob@pettube.test", "#00796b"),
    TestUser("carol", "109876543210987654321", "Carol Nguyen", "carol@pettube.test", "#c62828"),
)}


def find_user(hint: str) -> TestUser | None:
    """The user a login_hint names: by login, email or sub (Google accepts email or sub)."""
    hint = hint.strip().lower()
    for user in USERS.values():
        if hint in (user.login, user.email, user.sub):
            return user
    return None


def avatar_svg(user: TestUser) -> str:
    """A round initial on the user's colour, like Google's default profile picture."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<circle cx="48" cy="48" r="48" fill="{user.colour}"/>'
        '<text x="48" y="48" dy=".35em" text-anchor="middle" font-family="Arial, sans-serif" '
        f'font-size="44" fill="#fff">{escape(user.name[0].upper())}</text></svg>'
    )
