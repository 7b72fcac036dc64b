"""The services whose databases the tools work on, each with its pieces, by direct import.

nestegg_common.dbops holds mechanisms that know no service (seeding through given statements,
the EXPLAIN audit over a given catalogue, the schema reader and renderer); each service owns its
pieces in its own package (`query_catalog.py`, `dbseed.py`, `dbdocs.py`). This registry, in
infra/ because infra/ knows the deployment, hands them to the mechanisms: adding a service means
adding it here and to devcluster.SERVICES (tests/test_shared_code_knows_no_context.py checks
that the two agree).
"""

from __future__ import annotations

from devcluster import migrations_dir

from accounts import dbdocs as accounts_docs
from accounts import dbseed as accounts_seed
from accounts import query_catalog as accounts_catalog
from ledger import dbdocs as ledger_docs
from ledger import dbseed as ledger_seed
from ledger import query_catalog as ledger_catalog
from nestegg_common.dbops.schemamodel import ServiceDatabase
from projections import dbdocs as projections_docs
from projections import dbseed as projections_seed
from projections import query_catalog as projections_catalog

# name, query catalogue, seed, schema notes: each from the service's own package.
_PIECES = (
    ("accounts", accounts_catalog.CATALOG, accounts_seed.seed_database, accounts_docs.NOTES),
    ("ledger", ledger_catalog.CATALOG, ledger_seed.seed_database, ledger_docs.NOTES),
    (
        "projections",
        projections_catalog.CATALOG,
        projections_seed.seed_database,
        projections_docs.NOTES,
    ),
)
DATABASES = tuple(
    ServiceDatabase(name, migrations_dir(name), catalog, seed, notes)
    for name, catalog, seed, notes in _PIECES
)
BY_NAME = {database.name: database for database in DATABASES}
