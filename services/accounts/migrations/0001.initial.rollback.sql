DROP TABLE outbox_deliveries;
DROP TABLE outbox;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE profiles;
DROP TABLE users;
