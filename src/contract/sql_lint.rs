//! A lexer-level check of every SQL file the tool runs (sql/steps, sql/tool, pgtap): no name
//! may be resolved through a schema someone else can write (docs/security.md, "Running as
//! superuser in a hostile database"). The session's search_path is pinned to
//! `pg_catalog, pg_temp` (src/db/session.rs); this keeps the SQL safe on its own as well, for
//! the checks (which run with pgTAP's schema on the path) and for whoever copies it elsewhere.
//!
//! The rule, as the test enforces it:
//! - Comments, string literals and quoted identifiers are not code; neither is a
//!   `$body$ ... $body$` function body of the store (it runs under its own pinned
//!   search_path and is judged by its hash). Other dollar-quoted text (DO blocks, the queries
//!   handed to pgTAP) is code and is read as code.
//! - A name followed by `(` is a function call and must be schema-qualified (`pg_catalog.`,
//!   the store's `:"schema".`, pgTAP's `:"pgtap".`, `pg_temp.`), unless it is SQL syntax that
//!   looks like a call (`EXISTS (`, `IN (`, `COALESCE(`, `VALUES (`, a type modifier such as
//!   `bit(256)`; see `SYNTAX`), a column list after `AS`, `KEY`, `INTO` or `CONFLICT`, or a
//!   CTE's column list (`name (a, b) AS`).
//! - A comparison operator whose operand is of a reg* type (a `::regclass`-style cast that is
//!   the operand's last, or a `to_reg*()` call) must be written `OPERATOR(pg_catalog.=)`: oid
//!   against regclass has no exact operator in pg_catalog, so a planted exact one elsewhere on
//!   the path would win. The same holds for a simple `CASE x WHEN <reg value>`, which compares
//!   with `=`; write `CASE WHEN x OPERATOR(pg_catalog.=) ...` instead. A variable's type cannot
//!   be seen at this level: the pinned search_path covers those, and tests/planted.rs proves
//!   it by planting.

/// Words that are SQL (or PL/pgSQL) syntax when followed by `(`, not function calls.
const SYNTAX: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "between",
    "bit",
    "by",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "conflict",
    "decimal",
    "default",
    "distinct",
    "else",
    "elsif",
    "exists",
    "filter",
    "float",
    "from",
    "greatest",
    "if",
    "in",
    "interval",
    "into",
    "join",
    "key",
    "lateral",
    "least",
    "like",
    "not",
    "nullif",
    "numeric",
    "on",
    "or",
    "over",
    "primary",
    "return",
    "returning",
    "row",
    "select",
    "some",
    "table",
    "then",
    "time",
    "timestamp",
    "union",
    "unique",
    "using",
    "values",
    "varchar",
    "when",
    "where",
    "with",
    "within",
    "except",
    "intersect",
    "references",
    "operator",
];

/// Words after which `name (` is a list of column names, not a call.
const COLUMN_LIST_AFTER: &[&str] = &["as", "key", "into", "conflict", "references"];

/// Reg* types: comparing an oid with one of these finds no exact operator in pg_catalog.
const REG_TYPES: &[&str] = &[
    "regclass",
    "regproc",
    "regprocedure",
    "regoper",
    "regoperator",
    "regtype",
    "regrole",
    "regnamespace",
    "regconfig",
    "regdictionary",
    "regcollation",
];

const COMPARISONS: &[&str] = &["=", "<>", "!=", "<", ">", "<=", ">="];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word, lowercased.
    Word(String),
    /// A quoted identifier or a template variable (`:"x"`, `:'x'`): never syntax.
    Name,
    /// An operator or punctuation.
    Op(String),
    Literal,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

const OP_CHARS: &str = "+-*/<>=~!@#%^&|`?";

/// Splits `sql` into tokens, dropping comments, literals and `$body$` function bodies.
fn lex(sql: &str) -> Vec<Token> {
    let b: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let push = |out: &mut Vec<Token>, tok: Tok, line: usize| out.push(Token { tok, line });
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && b.get(i + 1) == Some(&'-') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(b[i] == '\n');
                    i += 1;
                }
            }
        } else if c == ':' && matches!(b.get(i + 1), Some('"') | Some('\'')) {
            // A template variable: :"name" or :'name'.
            let q = b[i + 1];
            i += 2;
            while i < b.len() && b[i] != q {
                i += 1;
            }
            i += 1;
            push(&mut out, Tok::Name, line);
        } else if c == '\'' || ((c == 'E' || c == 'e') && b.get(i + 1) == Some(&'\'')) {
            let escapes = c != '\'';
            if escapes {
                i += 1;
            }
            let start = line;
            i += 1;
            while i < b.len() {
                if escapes && b[i] == '\\' {
                    i += 2;
                    continue;
                }
                if b[i] == '\'' {
                    if b.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                line += usize::from(b[i] == '\n');
                i += 1;
            }
            i += 1;
            push(&mut out, Tok::Literal, start);
        } else if c == '"' {
            i += 1;
            while i < b.len() && !(b[i] == '"' && b.get(i + 1) != Some(&'"')) {
                if b[i] == '"' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            push(&mut out, Tok::Name, line);
        } else if c == '$' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            push(&mut out, Tok::Literal, line);
        } else if c == '$' {
            // A dollar quote: $tag$ or $$.
            let mut j = i + 1;
            while j < b.len() && b[j] != '$' && is_word(b[j]) {
                j += 1;
            }
            if b.get(j) != Some(&'$') {
                i += 1;
                continue;
            }
            let tag: String = b[i..=j].iter().collect();
            i = j + 1;
            if tag == "$body$" {
                // The store's function body: skipped up to its closing tag.
                let rest: String = b[i..].iter().collect();
                let len = rest.find("$body$").map_or(rest.len(), |l| l + tag.len());
                line += rest[..len.min(rest.len())].matches('\n').count();
                i += rest[..len.min(rest.len())].chars().count();
            }
            // Any other quote is transparent: what it holds is code.
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '.') {
                if b[i] == '.' && b.get(i + 1) == Some(&'.') {
                    break;
                }
                i += 1;
            }
            push(&mut out, Tok::Literal, line);
        } else if is_word(c) {
            let start = i;
            while i < b.len() && is_word(b[i]) {
                i += 1;
            }
            let w: String = b[start..i].iter().collect();
            push(&mut out, Tok::Word(w.to_lowercase()), line);
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            i += 2;
            push(&mut out, Tok::Op("::".into()), line);
        } else if c == ':' && b.get(i + 1) == Some(&'=') {
            i += 2;
            push(&mut out, Tok::Op(":=".into()), line);
        } else if OP_CHARS.contains(c) {
            let start = i;
            while i < b.len() && OP_CHARS.contains(b[i]) {
                // `--` and `/*` inside an operator run start a comment.
                if (b[i] == '-' && b.get(i + 1) == Some(&'-'))
                    || (b[i] == '/' && b.get(i + 1) == Some(&'*'))
                {
                    break;
                }
                i += 1;
            }
            let op: String = b[start..i].iter().collect();
            push(&mut out, Tok::Op(op), line);
        } else {
            i += 1;
            push(&mut out, Tok::Op(c.to_string()), line);
        }
    }
    out
}

fn is_op(t: &Token, s: &str) -> bool {
    matches!(&t.tok, Tok::Op(o) if o == s)
}

fn is_word_tok(t: &Token, s: &str) -> bool {
    matches!(&t.tok, Tok::Word(w) if w == s)
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if is_op(t, "(") {
            depth += 1;
        } else if is_op(t, ")") {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// Words that end an operand.
const BOUNDARY: &[&str] = &[
    "and", "or", "not", "where", "on", "when", "then", "else", "end", "select", "case", "if",
    "elsif", "return", "from", "order", "group", "limit", "as", "is", "in", "loop", "into",
    "having", "using", "between", "like", "join", "union", "all", "any", "some",
];

fn is_boundary(t: &Token) -> bool {
    match &t.tok {
        Tok::Word(w) => BOUNDARY.contains(&w.as_str()),
        Tok::Op(o) => matches!(o.as_str(), "," | ";" | ":=") || COMPARISONS.contains(&o.as_str()),
        _ => false,
    }
}

/// The tokens of the operand that ends just before `end` (exclusive) or starts at `start`.
fn operand(toks: &[Token], from: usize, forward: bool) -> &[Token] {
    let mut depth = 0i32;
    let mut k = from as isize;
    let step: isize = if forward { 1 } else { -1 };
    while k >= 0 && (k as usize) < toks.len() {
        let t = &toks[k as usize];
        let (open, close) = if forward { ("(", ")") } else { (")", "(") };
        if is_op(t, open) {
            depth += 1;
        } else if is_op(t, close) {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if depth == 0 && is_boundary(t) {
            break;
        }
        k += step;
    }
    if forward {
        &toks[from..k as usize]
    } else {
        &toks[(k + 1) as usize..=from]
    }
}

/// Whether an operand is of a reg* type: its last cast at depth 0 is to one, or it is (at
/// depth 0, uncast) a `to_reg*()` call.
fn is_reg(op: &[Token]) -> bool {
    let mut depth = 0;
    let mut last_cast: Option<bool> = None;
    let mut reg_call = false;
    for (k, t) in op.iter().enumerate() {
        if is_op(t, "(") {
            depth += 1;
        } else if is_op(t, ")") {
            depth -= 1;
        } else if depth == 0 && is_op(t, "::") {
            // `::reg`, or `::pg_catalog.reg`
            let mut n = k + 1;
            if op.get(n).is_some_and(|t| is_word_tok(t, "pg_catalog"))
                && op.get(n + 1).is_some_and(|t| is_op(t, "."))
            {
                n += 2;
            }
            last_cast = Some(matches!(op.get(n).map(|t| &t.tok),
                Some(Tok::Word(w)) if REG_TYPES.contains(&w.as_str())));
        } else if depth == 0 {
            if let Tok::Word(w) = &t.tok {
                if w.starts_with("to_reg") && op.get(k + 1).is_some_and(|t| is_op(t, "(")) {
                    reg_call = true;
                }
            }
        }
    }
    last_cast.unwrap_or(reg_call)
}

/// Every violation in one file: (line, offending name or operator, what to do).
pub fn violations(sql: &str) -> Vec<(usize, String, &'static str)> {
    let toks = lex(sql);
    let mut found = Vec::new();
    // For each open CASE: whether it is a simple CASE (`CASE x WHEN ...`).
    let mut cases: Vec<bool> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        match &t.tok {
            Tok::Word(w) if w == "case" => {
                cases.push(!toks.get(i + 1).is_some_and(|n| is_word_tok(n, "when")));
            }
            Tok::Word(w) if w == "end" => {
                // `END IF`, `END LOOP` close no CASE.
                let closes_block = toks
                    .get(i + 1)
                    .is_some_and(|n| is_word_tok(n, "if") || is_word_tok(n, "loop"));
                if !closes_block {
                    cases.pop();
                }
            }
            Tok::Word(w)
                if w == "when"
                    && cases.last() == Some(&true)
                    && is_reg(operand(&toks, i + 1, true)) =>
            {
                found.push((
                    t.line,
                    "CASE ... WHEN".to_string(),
                    "a simple CASE compares with an unqualified =: write CASE WHEN x OPERATOR(pg_catalog.=) ...",
                ));
            }
            _ => {}
        }
        // Function calls.
        if let Tok::Word(w) = &t.tok {
            let next_is_paren = toks.get(i + 1).is_some_and(|n| is_op(n, "("));
            let qualified = prev.is_some_and(|p| is_op(p, "."));
            let after_column_list_word = prev.is_some_and(
                |p| matches!(&p.tok, Tok::Word(pw) if COLUMN_LIST_AFTER.contains(&pw.as_str())),
            );
            let cte = closing(&toks, i + 1)
                .and_then(|c| toks.get(c + 1))
                .is_some_and(|n| is_word_tok(n, "as"));
            if next_is_paren
                && !qualified
                && !SYNTAX.contains(&w.as_str())
                && !after_column_list_word
                && !cte
            {
                found.push((
                    t.line,
                    w.clone(),
                    "unqualified function call: write pg_catalog.<name>(...) (or the schema it lives in)",
                ));
            }
        }
        // Operators on reg* values.
        if let Tok::Op(o) = &t.tok {
            if COMPARISONS.contains(&o.as_str()) {
                let written_qualified = prev.is_some_and(|p| is_op(p, "."))
                    && toks.get(i + 1).is_some_and(|n| is_op(n, ")"));
                if !written_qualified
                    && i > 0
                    && (is_reg(operand(&toks, i - 1, false)) || is_reg(operand(&toks, i + 1, true)))
                {
                    found.push((
                        t.line,
                        o.clone(),
                        "operator on a reg* value: write OPERATOR(pg_catalog.op), or cast both sides to oid",
                    ));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        violations(sql).into_iter().map(|(_, n, _)| n).collect()
    }

    #[test]
    fn flags_unqualified_calls_and_nothing_else() {
        assert_eq!(names("SELECT now(), pg_catalog.now()"), ["now"]);
        assert_eq!(names("SELECT is(1, 1, 'x')"), ["is"]);
        assert_eq!(names("SELECT :\"pgtap\".is(1, 1)"), Vec::<String>::new());
        assert_eq!(
            names("SELECT EXISTS (SELECT), x IN (1), coalesce(a, b), count(*) FILTER (WHERE true)"),
            ["count"]
        );
        // Comments, literals and the store's bodies are not code.
        assert!(names("-- now()\nSELECT 'now()' /* lower( */").is_empty());
        assert!(
            names("CREATE FUNCTION :\"schema\".f() AS $body$ BEGIN now(); END $body$;").is_empty()
        );
        // Other dollar quotes are code.
        assert_eq!(
            names("DO $step$ BEGIN PERFORM lower('x'); END $step$;"),
            ["lower"]
        );
        // Column lists.
        assert!(names(
            "SELECT * FROM (VALUES (1)) AS w(a), LATERAL pg_catalog.unnest(x) AS s(sig)"
        )
        .is_empty());
        assert!(names("WITH RECURSIVE reach (a, b) AS (SELECT 1, 2) SELECT 1").is_empty());
        assert!(names("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING").is_empty());
        assert!(names("DECLARE acc bit(256);").is_empty());
    }

    #[test]
    fn flags_comparisons_of_reg_values() {
        assert_eq!(names("WHERE c.oid = 'x'::regclass"), ["="]);
        assert_eq!(
            names("WHERE p.oid = pg_catalog.to_regprocedure('f()')"),
            ["="]
        );
        assert_eq!(
            names("WHERE d.classid <> 'pg_catalog.pg_class'::pg_catalog.regclass AND true"),
            ["<>"]
        );
        assert!(names("WHERE c.oid OPERATOR(pg_catalog.=) 'x'::regclass").is_empty());
        // The last cast decides the type.
        assert!(names(
            "WHERE m.roleid::regrole::text = 'x' AND n = pg_catalog.to_regrole('r')::oid"
        )
        .is_empty());
        assert!(names("WHERE a.x = b.y").is_empty());
        assert_eq!(
            names("SELECT CASE d.classid WHEN 'pg_catalog.pg_proc'::regclass THEN 1 END"),
            ["CASE ... WHEN"]
        );
        assert!(names(
            "SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'x'::regclass THEN 1 END"
        )
        .is_empty());
    }

    /// Every SQL file the tool runs, read from the tree so that a file another change adds is
    /// judged too: sql/steps/*.sql, sql/tool/*.sql, pgtap/*.sql.
    #[test]
    fn the_tools_sql_resolves_no_name_through_a_writable_schema() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut report = Vec::new();
        let mut files = 0;
        for dir in ["sql/steps", "sql/tool", "pgtap"] {
            let mut entries: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
                .unwrap_or_else(|e| panic!("{dir}: {e}"))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                .collect();
            entries.sort();
            for path in entries {
                files += 1;
                let sql = std::fs::read_to_string(&path).unwrap();
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                for (line, name, what) in violations(&sql) {
                    report.push(format!("{rel}:{line}: {name}: {what}"));
                }
            }
        }
        assert!(files > 40, "only {files} SQL files found");
        assert!(
            report.is_empty(),
            "SQL that resolves a name through the search_path (see src/contract/sql_lint.rs for the rule):\n{}",
            report.join("\n")
        );
    }
}
