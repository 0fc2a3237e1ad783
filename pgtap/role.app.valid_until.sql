-- description: The application role's VALID UNTIL is not in the past (install leaves it; set-password --valid-until changes it).
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('expired: VALID UNTIL %s', r.rolvaliduntil)
       FROM pg_catalog.pg_roles r
      WHERE r.rolname = :'role' AND r.rolvaliduntil < pg_catalog.now()),
    NULL,
    :'description');
