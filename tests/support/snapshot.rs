//! Catalog snapshots for "nothing changed" assertions: one line per object, in a fixed
//! order, via plain SQL on the catalogs (not pg_dump, which would have to match every server
//! major from 13 to 18). Version differences are absorbed by `to_jsonb(row) - …`, so a
//! column a newer major adds shows up without breaking an older one.
//!
//! Covered: schemas, relations, columns, indexes, constraints, triggers, policies, types,
//! functions, extensions, event triggers, roles (attributes, whether a password is set, never
//! the hash), memberships, role settings, this database's owner/ACL/settings, default ACLs,
//! row counts of user tables, and an md5 of every table named `session`.

use super::db::query_strings;

/// Skips PostgreSQL's own schemas and every session's temp schemas.
const USER_NS: &str = "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') \
                       and n.nspname !~ '^pg_(toast_)?temp_'";

/// An aclitem[] as sorted text: `default` for NULL (the built-in privileges), `none` for an
/// empty list.
fn acl(expr: &str) -> String {
    format!(
        "(case when {expr} is null then 'default' else coalesce((select string_agg(a::text, ',' \
         order by a::text) from unnest({expr}) a), 'none') end)"
    )
}

/// Roles are shared by every database of the cluster, and tests run in parallel, so a
/// database's snapshot shows only the roles that concern it: those with a dependency in it
/// (owners, grantees), the tool's default names, and roles named after the database (tests
/// that change role attributes use such names, or a private cluster).
fn roles_in_view(oid: &str, name: &str) -> String {
    format!(
        "({name} in ('nodepg', 'web_owner') or {name} like current_database() || '%' \
         or exists (select from pg_shdepend d where d.refclassid = 'pg_authid'::regclass \
         and d.refobjid = {oid} and d.dbid = (select oid from pg_database where datname = current_database())))"
    )
}

fn sections() -> Vec<(&'static str, String)> {
    vec![
        (
            "database",
            format!(
                "select format('owner=%I acl=%s connlimit=%s allowconn=%s encoding=%s comment=%L',
                    pg_get_userbyid(d.datdba), {}, d.datconnlimit, d.datallowconn,
                    pg_encoding_to_char(d.encoding), shobj_description(d.oid, 'pg_database'))
                 from pg_database d where d.datname = current_database()",
                acl("d.datacl")
            ),
        ),
        (
            "schemas",
            format!(
                "select format('%I owner=%I acl=%s comment=%L', n.nspname,
                    pg_get_userbyid(n.nspowner), {}, obj_description(n.oid, 'pg_namespace'))
                 from pg_namespace n where {USER_NS} order by n.nspname",
                acl("n.nspacl")
            ),
        ),
        (
            "relations",
            format!(
                "select format('%I.%I kind=%s persistence=%s owner=%I acl=%s options=%L rls=%s force_rls=%s comment=%L%s',
                    n.nspname, c.relname, c.relkind, c.relpersistence, pg_get_userbyid(c.relowner),
                    {}, c.reloptions::text, c.relrowsecurity, c.relforcerowsecurity,
                    obj_description(c.oid, 'pg_class'),
                    case when c.relkind in ('v', 'm') then ' view=' || quote_literal(pg_get_viewdef(c.oid)) else '' end)
                 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where {USER_NS} order by n.nspname, c.relname",
                acl("c.relacl")
            ),
        ),
        (
            "columns",
            format!(
                "select format('%I.%I.%I #%s %s default=%L notnull=%s identity=%L generated=%L collation=%L acl=%s',
                    n.nspname, c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
                    pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attidentity, a.attgenerated,
                    co.collname, {})
                 from pg_attribute a
                 join pg_class c on c.oid = a.attrelid
                 join pg_namespace n on n.oid = c.relnamespace
                 left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                 left join pg_collation co on co.oid = a.attcollation and a.attcollation <> 0
                 where a.attnum > 0 and not a.attisdropped and c.relkind <> 'i' and {USER_NS}
                 order by n.nspname, c.relname, a.attnum",
                acl("a.attacl")
            ),
        ),
        (
            "indexes",
            format!(
                "select format('%I.%I valid=%s %s', n.nspname, ci.relname, i.indisvalid,
                    pg_get_indexdef(i.indexrelid))
                 from pg_index i
                 join pg_class ci on ci.oid = i.indexrelid
                 join pg_namespace n on n.oid = ci.relnamespace
                 where {USER_NS} order by n.nspname, ci.relname"
            ),
        ),
        (
            "constraints",
            format!(
                "select format('%I.%I on %s type=%s deferrable=%s deferred=%s validated=%s %s',
                    n.nspname, co.conname,
                    coalesce(quote_ident(rn.nspname) || '.' || quote_ident(rel.relname),
                             'type ' || quote_ident(tn.nspname) || '.' || quote_ident(typ.typname), '-'),
                    co.contype, co.condeferrable, co.condeferred, co.convalidated,
                    pg_get_constraintdef(co.oid))
                 from pg_constraint co
                 join pg_namespace n on n.oid = co.connamespace
                 left join pg_class rel on rel.oid = co.conrelid
                 left join pg_namespace rn on rn.oid = rel.relnamespace
                 left join pg_type typ on typ.oid = co.contypid
                 left join pg_namespace tn on tn.oid = typ.typnamespace
                 where {USER_NS} order by 1"
            ),
        ),
        (
            "triggers",
            format!(
                "select format('%I.%I.%I enabled=%s %s', n.nspname, c.relname, t.tgname,
                    t.tgenabled, pg_get_triggerdef(t.oid))
                 from pg_trigger t
                 join pg_class c on c.oid = t.tgrelid
                 join pg_namespace n on n.oid = c.relnamespace
                 where not t.tgisinternal and {USER_NS} order by n.nspname, c.relname, t.tgname"
            ),
        ),
        (
            "policies",
            format!(
                "select format('%I.%I.%I cmd=%s permissive=%s roles=%s using=%L check=%L',
                    n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive,
                    (select string_agg(case when r = 0 then 'public' else pg_get_userbyid(r)::text end, ',' order by 1)
                       from unnest(p.polroles) r),
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
                 from pg_policy p
                 join pg_class c on c.oid = p.polrelid
                 join pg_namespace n on n.oid = c.relnamespace
                 where {USER_NS} order by 1"
            ),
        ),
        (
            "types",
            format!(
                "select format('%I.%I type=%s base=%s owner=%I acl=%s', n.nspname, t.typname,
                    t.typtype, case when t.typbasetype <> 0 then format_type(t.typbasetype, t.typtypmod) end,
                    pg_get_userbyid(t.typowner), {})
                 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where {USER_NS} and t.typcategory <> 'A'
                   and (t.typrelid = 0 or (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c')
                 order by n.nspname, t.typname",
                acl("t.typacl")
            ),
        ),
        (
            // Extension members show an md5 of their body: pgTAP alone has a thousand.
            "functions",
            format!(
                "select format('%I.%I(%s) returns %s kind=%s lang=%I security_definer=%s volatility=%s strict=%s leakproof=%s parallel=%s config=%L owner=%I acl=%s comment=%L %s',
                    n.nspname, p.proname, pg_get_function_arguments(p.oid),
                    coalesce(pg_get_function_result(p.oid), '-'), p.prokind, l.lanname, p.prosecdef,
                    p.provolatile, p.proisstrict, p.proleakproof, p.proparallel, p.proconfig::text,
                    pg_get_userbyid(p.proowner), {}, obj_description(p.oid, 'pg_proc'),
                    case when e.extname is not null
                         then format('extension=%I body_md5=%s', e.extname,
                                     md5(p.prosrc || coalesce(to_jsonb(p)->>'prosqlbody', '')))
                         else format('src=%L sqlbody=%L', p.prosrc, to_jsonb(p)->>'prosqlbody') end)
                 from pg_proc p
                 join pg_namespace n on n.oid = p.pronamespace
                 join pg_language l on l.oid = p.prolang
                 left join pg_depend dep on dep.classid = 'pg_proc'::regclass and dep.objid = p.oid
                      and dep.deptype = 'e'
                 left join pg_extension e on e.oid = dep.refobjid
                 where {USER_NS} order by 1",
                acl("p.proacl")
            ),
        ),
        (
            "extensions",
            "select format('%I schema=%I version=%L owner=%I', e.extname, n.nspname,
                e.extversion, pg_get_userbyid(e.extowner))
             from pg_extension e join pg_namespace n on n.oid = e.extnamespace
             order by e.extname"
                .to_string(),
        ),
        (
            "event triggers",
            "select format('%I event=%s enabled=%s function=%s tags=%L owner=%I', evtname, evtevent,
                evtenabled, evtfoid::regprocedure::text, evttags::text, pg_get_userbyid(evtowner))
             from pg_event_trigger order by evtname"
                .to_string(),
        ),
        (
            "default acls",
            format!(
                "select format('role=%I schema=%L objtype=%s acl=%s', pg_get_userbyid(d.defaclrole),
                    n.nspname, d.defaclobjtype, {})
                 from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
                 order by 1",
                acl("d.defaclacl")
            ),
        ),
        (
            // Every attribute, whatever the major; rolpassword only as set / not set.
            "roles",
            "select format('%I %s password=%s', a.rolname,
                (to_jsonb(a) - 'oid' - 'rolname' - 'rolpassword')::text,
                case when a.rolpassword is null then 'none' else 'set' end)
             from pg_authid a where {ROLES_IN_VIEW} order by a.rolname"
                .replace("{ROLES_IN_VIEW}", &roles_in_view("a.oid", "a.rolname")),
        ),
        (
            "memberships",
            "select format('%I in %I grantor=%I %s', pg_get_userbyid(m.member),
                pg_get_userbyid(m.roleid), pg_get_userbyid(m.grantor),
                (to_jsonb(m) - 'oid' - 'roleid' - 'member' - 'grantor')::text)
             from pg_auth_members m
             where {A} or {B} order by 1"
                .replace("{A}", &roles_in_view("m.member", "pg_get_userbyid(m.member)"))
                .replace("{B}", &roles_in_view("m.roleid", "pg_get_userbyid(m.roleid)")),
        ),
        (
            "role settings",
            "select format('role=%s database=%s %L',
                case when s.setrole = 0 then '*' else quote_ident(pg_get_userbyid(s.setrole)) end,
                case when s.setdatabase = 0 then '*' else 'this' end, s.setconfig::text)
             from pg_db_role_setting s
             where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
             order by 1"
                .to_string(),
        ),
    ]
}

/// Takes the snapshot over `client` (a superuser: pg_authid needs it). Reads only.
pub(crate) fn take(client: &mut postgres::Client) -> Result<String, postgres::Error> {
    let mut out = String::new();
    for (title, sql) in sections() {
        out.push_str(&format!("== {title}\n"));
        for line in query_strings(client, &sql)? {
            out.push_str(&line);
            out.push('\n');
        }
    }

    out.push_str("== row counts\n");
    let tables = query_strings(
        client,
        &format!(
            "select format('%I.%I', n.nspname, c.relname)
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and {USER_NS} order by 1"
        ),
    )?;
    for table in &tables {
        let count = query_strings(client, &format!("select count(*) from {table}"))?;
        out.push_str(&format!("{table} {}\n", count.join("")));
    }

    out.push_str("== session tables\n");
    let sessions = query_strings(
        client,
        &format!(
            "select format('%I.%I', n.nspname, c.relname)
                    || case when exists (select from pg_attribute a where a.attrelid = c.oid
                                         and a.attname = 'sess_id' and not a.attisdropped)
                            then ' sess_id' else '' end
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relname = 'session' and c.relkind in ('r', 'p') and {USER_NS} order by 1"
        ),
    )?;
    for entry in &sessions {
        let (table, order) = match entry.strip_suffix(" sess_id") {
            Some(table) => (table, "t.sess_id, t::text"),
            None => (entry.as_str(), "t::text"),
        };
        let md5 = query_strings(
            client,
            &format!(
                "select md5(coalesce(string_agg(t::text, E'\\n' order by {order}), ''))
                 from {table} t"
            ),
        )?;
        out.push_str(&format!("{table} md5={}\n", md5.join("")));
    }
    Ok(out)
}
