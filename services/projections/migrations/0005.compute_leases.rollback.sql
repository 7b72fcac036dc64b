DROP TABLE IF EXISTS compute_leases;
