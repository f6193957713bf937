'use strict';
// courier's rows, through a dynamic PostgreSQL login that OpenBao may revoke at any time.
//
// A rotation revokes the app's database lease: OpenBao ends its sessions and drops its
// role. The next query then fails (connection terminated, or "permission denied" for a
// session opened during the revocation); the store takes a new login, a new pool, and
// runs the query once more. A login close to the end of its lease is replaced first.

const { Pool } = require('pg');

const RENEW_BEFORE_MS = 30000;
const RETRY_CODES = new Set(['57P01', '57P02', '57P03', '28P01', '28000', '42501', '3D000']);

function store(bao, ring, config, log) {
  let pool = null;
  let login = null;

  async function open() {
    const settings = (await ring.read(config.databaseEntry)).data;
    login = await bao.databaseLogin();
    pool = new Pool({
      host: settings.host,
      port: Number(settings.port),
      database: settings.name,
      user: login.user,
      password: login.password,
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10000,
    });
    // A session ended by the server (a revoked login) must not take the process down.
    pool.on('error', (err) => log(`database session ended (${err.code || err.message})`));
    log(`connected to database ${settings.name} as ${login.user}`);
  }

  function drop() {
    if (pool) pool.end().catch(() => {});
    pool = null;
    login = null;
  }

  function retryable(err) {
    return RETRY_CODES.has(err.code) || /terminat|ECONNRESET|ECONNREFUSED|closed/i.test(err.message);
  }

  async function query(text, values) {
    for (const attempt of [1, 2]) {
      if (!pool || (login && login.expires - Date.now() < RENEW_BEFORE_MS)) {
        drop();
        await open();
      }
      try {
        return await pool.query(text, values);
      } catch (err) {
        if (attempt === 2 || !retryable(err)) throw err;
        log(`database login ${login ? login.user : '?'} stopped working (${err.code || 'closed'}); getting a new one`);
        drop();
      }
    }
    throw new Error('unreachable');
  }

  return {
    query,
    close: drop,
    async account(email) {
      const { rows } = await query('SELECT email, password_hash, created_at FROM courier.accounts WHERE email = $1', [email]);
      return rows[0] || null;
    },
    async parcels(owner) {
      const { rows } = await query(
        'SELECT id, label, created_at FROM courier.parcels WHERE owner = $1 ORDER BY id DESC LIMIT 100',
        [owner],
      );
      return rows;
    },
    async addParcel(owner, label) {
      const { rows } = await query(
        'INSERT INTO courier.parcels (owner, label) VALUES ($1, $2) RETURNING id, label, created_at',
        [owner, label],
      );
      return rows[0];
    },
    async ping() {
      await query('SELECT 1');
    },
  };
}

module.exports = { store };
