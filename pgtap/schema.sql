-- description: The session schema exists.
SELECT has_schema(:'schema', :'description');
