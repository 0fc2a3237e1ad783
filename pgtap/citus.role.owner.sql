-- description: The owner role holds no special attributes and may log in to the workers with the password Citus keeps for it in pg_dist_authinfo (count and clear reach the shards as the owner).
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('login=%s superuser=%s createdb=%s createrole=%s replication=%s bypassrls=%s authinfo=%s',
                              r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
                              EXISTS (SELECT FROM pg_catalog.pg_dist_authinfo a
                                       WHERE a.rolename OPERATOR(pg_catalog.=) r.rolname
                                         AND a.nodeid OPERATOR(pg_catalog.=) 0
                                         AND a.authinfo LIKE 'password=%'))
       FROM pg_catalog.pg_roles r WHERE r.rolname = :'owner'),
    'login=t superuser=f createdb=f createrole=f replication=f bypassrls=f authinfo=t',
    :'description');
