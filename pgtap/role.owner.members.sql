-- description: No role but a superuser is a member of the owner role (a member may read and change every session).
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(DISTINCT m.member::pg_catalog.regrole::text, ', ')
       FROM pg_catalog.pg_auth_members m
       JOIN pg_catalog.pg_roles r ON r.oid = m.member
      WHERE m.roleid OPERATOR(pg_catalog.=) pg_catalog.to_regrole(:'owner')
        AND NOT r.rolsuper),
    NULL,
    :'description');
