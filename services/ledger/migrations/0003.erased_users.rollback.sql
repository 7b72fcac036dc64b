DROP TABLE IF EXISTS erased_users;
