-- description: The application role is a member of no other role (membership in the owner role would hand it the table).
SELECT :"pgtap".is(
    (SELECT pg_catalog.array_to_string(pg_catalog.array_agg(m.roleid::regrole::text ORDER BY 1), ', ')
       FROM pg_catalog.pg_auth_members m
      WHERE m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = :'role')),
    NULL,
    :'description');
