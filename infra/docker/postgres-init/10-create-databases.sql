-- One database per bounded context (docs/ARCHITECTURE.md). Run once by the postgres image on an
-- empty data directory; the migrate service then creates each schema.
CREATE DATABASE nestegg_accounts;
CREATE DATABASE nestegg_ledger;
CREATE DATABASE nestegg_projections;
