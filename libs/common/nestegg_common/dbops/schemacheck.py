"""`make db-check`: every migration's rollback undoes it exactly, and landed files are unchanged.

Round trip, per service on a scratch database: apply the migrations one at a time and keep the
`pg_dump --schema-only` after each; roll them back one at a time, each time comparing with the
dump taken before that migration was applied; then apply all again and compare with the first
full dump. Comparing after every single rollback (not only after rolling back everything)
catches a rollback that forgets an index on a table a later rollback drops anyway.

Lock: `infra/migrations.sha256` lists the sha256 of every migration and rollback file, in
`sha256sum` format. A listed file that changed or disappeared fails the check; a file not yet
listed fails too, until `make migrations-lock` records it (and review sees the new line).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from yoyo import read_migrations

from nestegg_common.dbops.scratch import schema_dump
from nestegg_common.migrations import apply_migrations, rollback_migrations

LOCK_HEADER = (
    "# sha256 of every landed migration file (sha256sum format). Never edit a landed migration:\n"
    "# `make db-check` fails when one changes. `make migrations-lock` records new files.\n"
)


@dataclass(frozen=True)
class Drift:
    """A schema that differs from what it should be at some step of the round trip."""

    step: str
    diff: str

    def __str__(self) -> str:
        return f"{self.step}:\n{self.diff}"


def _diff(expected: str, actual: str, label: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(),
        actual.splitlines(),
        fromfile=f"expected ({label})",
        tofile="actual",
        lineterm="",
        n=1,
    )
    return "\n".join(line for line in lines if line.strip() not in ("", "--"))


def check_round_trip(dsn: str, migrations_dir: Path) -> list[Drift]:
    """Apply one by one, roll back one by one, apply all; return every schema drift found."""
    ids = [m.id for m in read_migrations(str(migrations_dir))]
    apply_migrations(dsn, migrations_dir, steps=0)  # creates the database and yoyo's tables
    dumps = [schema_dump(dsn)]
    for _ in ids:
        apply_migrations(dsn, migrations_dir, steps=1)
        dumps.append(schema_dump(dsn))
    for k in range(len(ids), 0, -1):
        rollback_migrations(dsn, migrations_dir, steps=1)
        actual = schema_dump(dsn)
        if actual != dumps[k - 1]:
            label = f"before {ids[k - 1]}"
            step = f"rolling back {ids[k - 1]} left the schema different from before it"
            # Later steps would only repeat this difference.
            return [Drift(step, _diff(dumps[k - 1], actual, label))]
    apply_migrations(dsn, migrations_dir)
    actual = schema_dump(dsn)
    if actual != dumps[-1]:
        step = "applying every migration again gave a different schema"
        return [Drift(step, _diff(dumps[-1], actual, "first apply"))]
    return []


def migration_files(root: Path, migration_dirs: Iterable[Path]) -> dict[str, Path]:
    """Return every migration and rollback file by its path relative to `root`."""
    files: dict[str, Path] = {}
    for folder in migration_dirs:
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in (".sql", ".py"):
                files[path.relative_to(root).as_posix()] = path
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(lock_path: Path) -> dict[str, str]:
    """Return the recorded sha256 of each locked file."""
    if not lock_path.exists():
        return {}
    recorded: dict[str, str] = {}
    for line in lock_path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, _, name = line.partition("  ")
            recorded[name.strip()] = digest.strip()
    return recorded


def lock_problems(root: Path, migration_dirs: Iterable[Path], lock_path: Path) -> list[str]:
    """Return one line per edited, removed or unrecorded migration file."""
    recorded = read_lock(lock_path)
    present = migration_files(root, migration_dirs)
    problems = []
    for name, digest in sorted(recorded.items()):
        if name not in present:
            problems.append(f"removed or renamed after landing: {name}")
        elif _sha256(present[name]) != digest:
            problems.append(f"edited after landing: {name} (fix forward with a new migration)")
    problems.extend(
        f"not in {lock_path.name} yet: {name} (run `make migrations-lock` and commit it)"
        for name in sorted(set(present) - set(recorded))
    )
    return problems


def write_lock(
    root: Path, migration_dirs: Iterable[Path], lock_path: Path, *, force: bool = False
) -> tuple[list[str], list[str]]:
    """Record new migration files; return (added, refused edits). `force` re-records edits."""
    recorded = read_lock(lock_path)
    present = migration_files(root, migration_dirs)
    current = {name: _sha256(path) for name, path in present.items()}
    added = sorted(set(current) - set(recorded))
    edited = sorted(n for n in current if n in recorded and recorded[n] != current[n])
    refused = [] if force else edited
    if refused:
        return added, refused
    lines = [f"{current[name]}  {name}" for name in sorted(current)]
    lock_path.write_text(LOCK_HEADER + "\n".join(lines) + "\n")
    return added, []
