"""The one comparison key of an email address: what makes two addresses the same account.

`email_key` is Unicode NFKC followed by full case folding of the whole address (then NFKC
again, as folding can leave text that is not normalised): the "NFKC_Casefold" identifier
comparison of Unicode (UAX #31 §5, UTS #39). It is computed once, in Python, and used for
everything that must agree: the stored `users.email_key` (unique), the lookup at login, the
409 at registration and the login throttling counters. PostgreSQL's `lower()` is never used
to compare emails: it folds per character with the server's locale and disagrees with
Python on letters such as U+0130 (which let `al\u0130ce@…` log in as `alice@…` past her
lock-out; issue 13).

What is the same address under this key (docs/ARCHITECTURE.md, Email addresses):
- letter case, anywhere: `Alice@Example.COM` = `alice@example.com`;
- compatibility forms: fullwidth `ａｌｉｃｅ` = `alice`, the ligature `ﬁ` = `fi`;
- full case folding: `straße` = `strasse`, final `ς` = `σ`.
What is not: `al\u0130ce` (capital I with dot, which folds to `i` + U+0307) is a different
address from `alice`, and so are look-alikes from other scripts (Cyrillic `а`).

The address as typed (after `email-validator`'s own normalisation) is kept for display and
mail; only the key decides identity. Migration 0005 holds a frozen copy of this function to
fill the key of existing rows; `tests/unit/test_email_key.py` checks the two agree.
"""

from __future__ import annotations

import unicodedata


def email_key(email: str) -> str:
    """Return the comparison key of an email address (NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def local_part(email: str) -> str:
    """Return what comes before the last `@` (the whole string when there is none)."""
    return email.rpartition("@")[0] or email
