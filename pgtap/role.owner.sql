-- description: The owner role exists, cannot log in and holds no special attributes.
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('login=%s superuser=%s createdb=%s createrole=%s replication=%s bypassrls=%s',
                              rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls)
       FROM pg_catalog.pg_roles WHERE rolname = :'owner'),
    'login=f superuser=f createdb=f createrole=f replication=f bypassrls=f',
    :'description');
