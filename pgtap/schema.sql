-- description: The session schema exists.
SELECT :"pgtap".has_schema(:'schema', :'description');
