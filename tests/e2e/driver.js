// Drives the published connect-pg 1.1.5 session store, unchanged, through its PGStore methods
// (set, get, destroy, length, clear) against the database the libpq environment names
// (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD: read by pg itself). Prints one JSON object
// with what each call returned, for tests/e2e_connect_pg.rs to assert on; exits 1 when a call
// errs or never calls back (connect-pg logs an error and drops the callback).
'use strict';

var connect = require('connect');
var pg = require('pg');
var PGStore = require('connect-pg');

var client = new pg.Client();
var observed = { versions: {
    connect: require('connect/package.json').version,
    pg: require('pg/package.json').version,
    'connect-pg': require('connect-pg/package.json').version
} };

function fail(message) {
    console.error('driver: ' + message);
    process.exit(1);
}

// connect-pg only calls back on success: a missing callback is how a failure shows.
function call(what, invoke) {
    return new Promise(function (resolve) {
        var timer = setTimeout(function () { fail(what + ' never called back'); }, 10000);
        invoke(function (err, value) {
            clearTimeout(timer);
            if (err) { fail(what + ': ' + err); }
            resolve(value);
        });
    });
}

async function main() {
    await client.connect();
    var store = new PGStore(function (callback) { callback(client); });
    observed.is_connect_store = Object.getPrototypeOf(Object.getPrototypeOf(store)) ===
        connect.session.Store.prototype;

    var later = new Date(Date.now() + 3600 * 1000).toISOString();
    var past = new Date(Date.now() - 3600 * 1000).toISOString();
    var alice = { cookie: { expires: later, httpOnly: true }, user: 'alice', note: "it's \"quoted\" \u00e9\u4e2d" };
    var forever = { cookie: { expires: null }, user: 'bob' };
    var gone = { cookie: { expires: past }, user: 'carol' };

    await call('set sid-alice', function (cb) { store.set('sid-alice', alice, cb); });
    await call('set sid-forever', function (cb) { store.set('sid-forever', forever, cb); });
    await call('set sid-expired', function (cb) { store.set('sid-expired', gone, cb); });
    observed.get_alice = await call('get sid-alice', function (cb) { store.get('sid-alice', cb); });
    observed.get_forever = await call('get sid-forever', function (cb) { store.get('sid-forever', cb); });
    observed.get_expired = await call('get sid-expired', function (cb) { store.get('sid-expired', cb); });
    observed.get_unknown = await call('get sid-unknown', function (cb) { store.get('sid-unknown', cb); });
    observed.length_after_set = await call('length', function (cb) { store.length(cb); });

    alice.user = 'alice again';
    await call('set sid-alice again', function (cb) { store.set('sid-alice', alice, cb); });
    observed.get_alice_updated = await call('get sid-alice', function (cb) { store.get('sid-alice', cb); });
    observed.length_after_update = await call('length', function (cb) { store.length(cb); });

    await call('destroy sid-alice', function (cb) { store.destroy('sid-alice', cb); });
    observed.get_alice_destroyed = await call('get sid-alice', function (cb) { store.get('sid-alice', cb); });
    observed.length_after_destroy = await call('length', function (cb) { store.length(cb); });

    await call('clear', function (cb) { store.clear(cb); });
    observed.length_after_clear = await call('length', function (cb) { store.length(cb); });
    observed.get_forever_cleared = await call('get sid-forever', function (cb) { store.get('sid-forever', cb); });

    await client.end();
    console.log(JSON.stringify(observed));
}

main().catch(function (e) { fail(e && e.stack || String(e)); });
