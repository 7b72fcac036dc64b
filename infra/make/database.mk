# Database operations (issue 6): migration checks, index audit, backups. Included by the Makefile.
DBOPS := $(PY) infra/dbops.py
FORCE ?=

.PHONY: db-check migrations-lock

db-check: install
	$(DBOPS) check $(SERVICE)

migrations-lock: install
	$(DBOPS) lock $(if $(FORCE),--force)

.PHONY: db-audit
AUDIT_USERS ?= 2000

db-audit: install
	$(DBOPS) audit $(SERVICE) --users $(AUDIT_USERS)

# Backups: settings as make variables (or the same names in the environment).
BACKUP_DIR ?= backups
BACKUP_JOBS ?= 4
BACKUP_KEEP_DAILY ?= 7
BACKUP_KEEP_WEEKLY ?= 4
BACKUP_MAX_AGE_H ?= 26
BACKUP ?=
TARGET_SUFFIX ?=

.PHONY: backup restore backup-verify backup-check

backup: install
	$(DBOPS) backup --dir $(BACKUP_DIR) --jobs $(BACKUP_JOBS) \
		--keep-daily $(BACKUP_KEEP_DAILY) --keep-weekly $(BACKUP_KEEP_WEEKLY)

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp> [TARGET_SUFFIX=_restored] [FORCE=1]"; exit 2; }
	$(DBOPS) restore $(BACKUP) --jobs $(BACKUP_JOBS) $(if $(TARGET_SUFFIX),--suffix $(TARGET_SUFFIX)) $(if $(FORCE),--force)

backup-verify: install
	@test -n "$(BACKUP)" || { echo "usage: make backup-verify BACKUP=backups/<timestamp>"; exit 2; }
	$(DBOPS) restore $(BACKUP) --jobs $(BACKUP_JOBS) --verify-only

backup-check: install
	$(DBOPS) backup-check --dir $(BACKUP_DIR) --max-age-h $(BACKUP_MAX_AGE_H)

# docs/DATABASE.md, generated from the live schema (tests/db/test_docs_db.py checks it is current).
.PHONY: docs-db docs-db-check

docs-db: install
	$(DBOPS) docs

docs-db-check: install
	$(DBOPS) docs --check

# Backup and restore benchmark (issue 6): 1,000,000 ledger rows in scratch databases.
BENCH_DB_USERS ?= 10000
BENCH_DB_ROWS_PER_USER ?= 100

.PHONY: bench-db

bench-db: install
	$(PY) bench/bench_db.py --users $(BENCH_DB_USERS) --rows-per-user $(BENCH_DB_ROWS_PER_USER) \
		--jobs $(BACKUP_JOBS)
