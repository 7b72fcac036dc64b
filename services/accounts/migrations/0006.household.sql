-- depends: 0005.email_key_throttles_refresh_grace
-- The household (issue 15, DESIGN §4 "Me"): the user's sex and filing status, and at most one
-- partner, as columns of the profile (1:1 with the user). Columns rather than a partner table
-- so that one row CHECK can require a partner for married_joint and keep the partner whole
-- (all its columns set, or none). Existing profiles read back unchanged: single, unspecified,
-- no partner (constant defaults: no table rewrite).
-- Not in the database: "the partner is younger today than their life_expectancy". It turns
-- false as time passes, so as a CHECK it would make a restore of an old backup fail; the API
-- checks it on every write (accounts/profile_models.py).
-- Lock: one transaction, so all or nothing. The new CHECKs scan the table under the ALTER's
-- ACCESS EXCLUSIVE lock (no rewrite: constant defaults); measured 0.45 s for 1,000,000 profiles
-- and 1.5 s for 3,000,000 (embedded PostgreSQL, this repository's machine). NOT VALID would
-- save that scan only with a second, non-transactional migration to validate, for rows whose
-- new columns are all defaults or null and so cannot fail the checks.

ALTER TABLE profiles
    ADD COLUMN sex text NOT NULL DEFAULT 'unspecified'
        CONSTRAINT profiles_sex_check CHECK (sex IN ('female', 'male', 'unspecified')),
    ADD COLUMN filing_status text NOT NULL DEFAULT 'single'
        CONSTRAINT profiles_filing_status_check CHECK (filing_status IN ('single', 'married_joint')),
    ADD COLUMN partner_name text
        CONSTRAINT profiles_partner_name_check CHECK (length(partner_name) BETWEEN 1 AND 100),
    ADD COLUMN partner_birth_date date
        CONSTRAINT profiles_partner_birth_date_check
        CHECK (partner_birth_date >= DATE '1900-01-01' AND partner_birth_date < CURRENT_DATE),
    ADD COLUMN partner_sex text
        CONSTRAINT profiles_partner_sex_check CHECK (partner_sex IN ('female', 'male', 'unspecified')),
    ADD COLUMN partner_retirement_age smallint
        CONSTRAINT profiles_partner_retirement_age_check CHECK (partner_retirement_age BETWEEN 0 AND 120),
    ADD COLUMN partner_life_expectancy smallint
        CONSTRAINT profiles_partner_life_expectancy_check CHECK (partner_life_expectancy BETWEEN 1 AND 120),
    ADD CONSTRAINT profiles_partner_whole CHECK (
        (partner_birth_date IS NULL AND partner_name IS NULL AND partner_sex IS NULL
         AND partner_retirement_age IS NULL AND partner_life_expectancy IS NULL)
        OR (partner_birth_date IS NOT NULL AND partner_sex IS NOT NULL
            AND partner_retirement_age IS NOT NULL AND partner_life_expectancy IS NOT NULL)),
    ADD CONSTRAINT profiles_partner_life_after_retirement
        CHECK (partner_life_expectancy >= partner_retirement_age),
    ADD CONSTRAINT profiles_married_joint_has_partner
        CHECK (filing_status <> 'married_joint' OR partner_birth_date IS NOT NULL);

COMMENT ON TABLE profiles IS 'Planning facts about a user''s household (1:1 with users): the user and at most one partner (the partner_* columns, all null when none); created with defaults at registration.';
COMMENT ON COLUMN profiles.sex IS 'female, male or unspecified (default); only picks the mortality table of stochastic lifespans.';
COMMENT ON COLUMN profiles.filing_status IS 'Tax filing status: single (default) or married_joint, which needs a partner (profiles_married_joint_has_partner).';
COMMENT ON COLUMN profiles.partner_name IS 'How the partner is called (1..100 characters); null = none given, or no partner.';
COMMENT ON COLUMN profiles.partner_birth_date IS 'The partner''s date of birth, always in the past; null = no partner (then every partner_* column is null).';
COMMENT ON COLUMN profiles.partner_sex IS 'The partner''s sex: female, male or unspecified; null = no partner.';
COMMENT ON COLUMN profiles.partner_retirement_age IS 'The partner''s age in whole years at which their work stops (0..120); null = no partner.';
COMMENT ON COLUMN profiles.partner_life_expectancy IS 'The partner''s age the plan must fund until (1..120, at least partner_retirement_age); null = no partner.';
