-- Back to the role the session acted as before db::as_owner (the login, or the role the
-- client asked for in its options).
RESET ROLE
