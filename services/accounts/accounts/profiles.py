"""Profile rules without I/O: a JSON merge patch (RFC 7396) applied to the stored profile.

`PATCH /me/profile` sends only what changes. Per RFC 7396: a member absent from the patch keeps
its stored value; a member set to null is removed, so it takes its documented default (null for
`display_name`, `birth_date` and `partner`, 65, 95, "USD", `unspecified` and `single` for the
others); an object merges member by member, recursively, so the household's `partner` patches
the same way without another rule (`{"partner": {"retirement_age": 62}}` changes one member of
the stored partner; `{"partner": null}` removes it). The result is validated as a whole, exactly
as a `PUT` body (`ProfileUpdate`), so a patch cannot store what a replacement could not: a
partial partner where none is stored must hold a `birth_date`, and removing the partner of a
`married_joint` profile is refused naming `filing_status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.profile_models import Profile, ProfilePatch, ProfileUpdate


def merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Return `target` with the JSON merge patch `patch` applied (RFC 7396 §2)."""
    merged = dict(target)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, dict):
            inner = merged.get(name)
            merged[name] = merge_patch(inner if isinstance(inner, dict) else {}, value)
        else:
            merged[name] = value
    return merged


def patched_profile(stored: Profile, patch: ProfilePatch) -> ProfileUpdate:
    """Apply a merge patch to the stored profile; 422 names each invalid field of the result."""
    current = stored.model_dump(exclude_none=True)  # a null member is the same as an absent one
    changes = patch.model_dump(exclude_unset=True)  # absent fields are not in the patch at all
    return ProfileUpdate.model_validate(merge_patch(current, changes))
