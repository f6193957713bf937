'use strict';
// Where courier finds OpenBao, and nothing else: no secret is read from the environment.
//
// The deployment hands the app the server's address, its CA file, the AppRole role_id
// (an identifier, not a credential), the path of a 0600 file holding a secret_id, and the
// tier it runs in. Signing keys, cookie keys and database logins all come from OpenBao.

const fs = require('node:fs');

const TIERS = /^[a-z][a-z0-9-]{0,31}$/;

class ConfigError extends Error {}

function seconds(raw, name, fallback, most) {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > most) {
    throw new ConfigError(`${name} must be a number of seconds from 0 to ${most}`);
  }
  return value;
}

function load(env = process.env) {
  const {
    COURIER_BAO_ADDR: addr = '',
    COURIER_BAO_CA: caFile = '',
    COURIER_APPROLE_ID: roleId = '',
    COURIER_SECRET_ID_FILE: secretIdFile = '',
    COURIER_TIER: tier = '',
  } = env;
  if (!/^https?:\/\//.test(addr)) {
    throw new ConfigError('COURIER_BAO_ADDR must be the OpenBao address (http:// or https://)');
  }
  if (!roleId) throw new ConfigError('COURIER_APPROLE_ID must hold the AppRole role_id');
  if (!secretIdFile) throw new ConfigError('COURIER_SECRET_ID_FILE must name the secret_id file');
  if (!TIERS.test(tier)) throw new ConfigError('COURIER_TIER must name the tier (sandbox, preprod, production)');
  if (caFile && !fs.existsSync(caFile)) throw new ConfigError(`COURIER_BAO_CA names ${caFile}, which does not exist`);
  return Object.freeze({
    addr: addr.replace(/\/+$/, ''),
    caFile,
    roleId,
    secretIdFile,
    tier,
    cacheSeconds: seconds(env.COURIER_CACHE_SECONDS, 'COURIER_CACHE_SECONDS', 5, 300),
    graceSeconds: seconds(env.COURIER_GRACE_SECONDS, 'COURIER_GRACE_SECONDS', 60, 3600),
    kvMount: 'courier-kv',
    approleMount: 'approle-courier',
    databaseMount: 'courier-db',
    role: `courier-${tier}`,
    keysEntry: `${tier}/keys`,
    databaseEntry: `${tier}/db`,
  });
}

module.exports = { load, ConfigError };
