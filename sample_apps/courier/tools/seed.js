'use strict';
// node tools/seed.js: add (or reset) one account, for a test or a first operator.
//
// Runs with an administrator's database login in libpq's standard variables (PGHOST,
// PGPORT, PGDATABASE, PGUSER, PGPASSWORD): the app's own dynamic logins may read accounts
// but not create them. The e-mail comes from --email or COURIER_SEED_EMAIL (vault-gate
// passes VAULT_GATE_TEST_USER), the password from standard input (or
// VAULT_GATE_TEST_PASSWORD when vault-gate runs it); neither is printed.

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const { hash } = require('../src/passwords');

async function main() {
  const { values } = parseArgs({ options: { email: { type: 'string' } } });
  const email = values.email || process.env.COURIER_SEED_EMAIL || process.env.VAULT_GATE_TEST_USER || '';
  const password = process.env.VAULT_GATE_TEST_PASSWORD || fs.readFileSync(0, 'utf8').split('\n')[0];
  if (!email || !password) {
    process.stderr.write('seed: an e-mail and a password are required\n');
    return 2;
  }
  const client = new Client({ connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(
      'INSERT INTO courier.accounts (email, password_hash) VALUES ($1, $2) ' +
        'ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash',
      [email, hash(password)],
    );
  } catch (err) {
    process.stderr.write(`seed: the database refused (${err.code || err.name})\n`);
    return 1;
  } finally {
    await client.end().catch(() => {});
  }
  process.stdout.write(`seed: account ${JSON.stringify(email)} ready\n`);
  return 0;
}

main().then((code) => process.exit(code));
