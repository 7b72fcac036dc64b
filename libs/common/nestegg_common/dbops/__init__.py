"""Database operations: migration checks, the index audit, backups and verified restores."""
