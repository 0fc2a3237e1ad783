-- description: all_session_ids() is absent (it listed every session id; removed in connect-pg 1.1.0).
SELECT :"pgtap".hasnt_function(:'schema', 'all_session_ids', ARRAY[]::name[], :'description');
