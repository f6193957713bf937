'use strict';
// node src/server.js --port N: log in to OpenBao, check the database, then listen.
// The app refuses to start (exit 2, one line naming what is wrong) when its settings are
// missing or OpenBao refuses its login: a half-started app that answers 503 hides the cause.

const { parseArgs } = require('node:util');
const { load, ConfigError } = require('./config');
const { BaoClient, BaoUnavailable } = require('./bao');
const { keys } = require('./keys');
const { store } = require('./store');
const { routes } = require('./routes');

function log(message) {
  process.stderr.write(`${new Date().toISOString()} courier: ${message}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    log('usage: node src/server.js --port N [--host 127.0.0.1]');
    return 2;
  }
  let config;
  let db;
  let ring;
  try {
    config = load();
    const bao = new BaoClient(config, log);
    await bao.login();
    ring = keys(bao, config);
    await ring.current('jwt_key');
    db = store(bao, ring, config, log);
    await db.ping();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BaoUnavailable) {
      log(`cannot start: ${err.message}`);
    } else {
      log(`cannot start: the database refused (${err.code || err.name})`);
    }
    return 2;
  }
  const server = routes({ ring, db, config, log }).listen(port, values.host, () => {
    log(`tier ${config.tier} ready; serving on ${values.host}:${port}`);
  });
  const stop = () => {
    log('stopping');
    server.close(() => {
      db.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return null;
}

main().then((code) => {
  if (code !== null) process.exit(code);
});
