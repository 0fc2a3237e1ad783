//! The session store on Citus (issue 16).

use crate::support::citus;

#[test]
fn explore() {
    let db = citus().create_db("citus_explore");
    let r = db.cli(&["install"]);
    eprintln!("{r}");
    eprintln!("DSN {} PW {}", db.dsn(), db.cluster().superuser_password());
    panic!("keep");
}
