-- description: The session table has no rules (a rule can turn every write into nothing, or into a copy elsewhere).
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rulename), ', ' ORDER BY r.rulename)
       FROM pg_catalog.pg_rewrite r
      WHERE r.ev_class OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))),
    NULL,
    :'description');
