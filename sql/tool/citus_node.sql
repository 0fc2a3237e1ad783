-- The Citus cluster as its coordinator sees it: whether this node is the coordinator, the
-- extension's version, and the active primary workers. Run only when the extension exists.
SELECT pg_catalog.citus_is_coordinator() AS coordinator,
       (SELECT e.extversion FROM pg_catalog.pg_extension e
         WHERE e.extname OPERATOR(pg_catalog.=) 'citus') AS version,
       ARRAY(SELECT pg_catalog.format('%s:%s', n.nodename, n.nodeport)
               FROM pg_catalog.pg_dist_node n
              WHERE n.noderole OPERATOR(pg_catalog.=) 'primary'
                AND n.isactive
                AND n.groupid OPERATOR(pg_catalog.<>) 0
              ORDER BY n.nodename, n.nodeport) AS workers
