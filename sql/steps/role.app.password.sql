-- step role.app.password: the application role loses a default password. It then has none,
-- as if just created, and cannot log in with a password until set-password gives it one
-- (docs/upgrade.md).
ALTER ROLE :"role" PASSWORD NULL;
