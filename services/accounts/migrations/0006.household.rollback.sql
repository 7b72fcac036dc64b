-- Back to one person per profile: the sex, filing status and partner of every profile are lost.
ALTER TABLE profiles
    DROP CONSTRAINT profiles_married_joint_has_partner,
    DROP CONSTRAINT profiles_partner_life_after_retirement,
    DROP CONSTRAINT profiles_partner_whole,
    DROP COLUMN partner_life_expectancy,
    DROP COLUMN partner_retirement_age,
    DROP COLUMN partner_sex,
    DROP COLUMN partner_birth_date,
    DROP COLUMN partner_name,
    DROP COLUMN filing_status,
    DROP COLUMN sex;

COMMENT ON TABLE profiles IS 'Planning facts about a user (1:1 with users), created with defaults at registration.';
