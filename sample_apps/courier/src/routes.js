'use strict';
// The HTTP API (Express):
//   POST /v2/auth/login  {"email", "password"} -> {"auth": {"bearer": ..., "expires_in": ...}}
//                        and a courier_session cookie
//   GET  /v2/parcels     with "X-Courier-Auth: Token <bearer>" -> {"parcels": [...]}
//   POST /v2/parcels     with the same header, {"label"} -> 201 {"parcel": {...}}
//   GET  /v2/whoami      with the courier_session cookie alone
//   GET  /status         200 once OpenBao and the database answer, with the KV versions served

const express = require('express');
const { check } = require('./passwords');
const tokens = require('./tokens');
const { BaoUnavailable } = require('./bao');

const COOKIE = 'courier_session';
const LIFETIME_SECONDS = 900;

function refuse(res, reason) {
  res.set('WWW-Authenticate', 'Token').status(401).json({ error: 'unauthorized', reason });
}

function cookieValue(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

function routes({ ring, db, config, log }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  const wrap = (handler) => (req, res, next) => handler(req, res).catch(next);

  async function bearer(req, res) {
    const [scheme, token] = (req.get('X-Courier-Auth') || '').split(' ');
    if (scheme !== 'Token' || !token) {
      refuse(res, 'an X-Courier-Auth: Token header is required');
      return null;
    }
    try {
      return await tokens.verify(ring, 'jwt_key', token, 'access');
    } catch (err) {
      if (!(err instanceof tokens.TokenRefused)) throw err;
      refuse(res, err.message);
      return null;
    }
  }

  app.post('/v2/auth/login', wrap(async (req, res) => {
    const { email, password } = req.body || {};
    if (typeof email !== 'string' || typeof password !== 'string') {
      res.status(400).json({ error: 'email and password are required' });
      return;
    }
    const account = await db.account(email);
    if (!account || !check(account.password_hash, password)) {
      log(`refused a login for ${JSON.stringify(email.slice(0, 64))}`);
      refuse(res, 'unknown email or wrong password');
      return;
    }
    const access = await tokens.sign(ring, 'jwt_key', email, 'access', LIFETIME_SECONDS);
    const session = await tokens.sign(ring, 'cookie_key', email, 'session', LIFETIME_SECONDS);
    res.cookie(COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/v2', maxAge: LIFETIME_SECONDS * 1000 });
    res.json({ auth: { bearer: access, scheme: 'Token', expires_in: LIFETIME_SECONDS } });
  }));

  app.get('/v2/parcels', wrap(async (req, res) => {
    const owner = await bearer(req, res);
    if (owner === null) return;
    res.json({ parcels: (await db.parcels(owner)).map(parcel) });
  }));

  app.post('/v2/parcels', wrap(async (req, res) => {
    const owner = await bearer(req, res);
    if (owner === null) return;
    const { label } = req.body || {};
    if (typeof label !== 'string' || !label || label.length > 200) {
      res.status(400).json({ error: 'label: 1 to 200 characters' });
      return;
    }
    res.status(201).json({ parcel: parcel(await db.addParcel(owner, label)) });
  }));

  app.get('/v2/whoami', wrap(async (req, res) => {
    const sid = cookieValue(req, COOKIE);
    if (!sid) {
      refuse(res, 'no session cookie');
      return;
    }
    try {
      const email = await tokens.verify(ring, 'cookie_key', sid, 'session');
      res.json({ email });
    } catch (err) {
      if (!(err instanceof tokens.TokenRefused)) throw err;
      refuse(res, err.message);
    }
  }));

  app.get('/status', wrap(async (req, res) => {
    const kv = {};
    for (const [name, entry] of [['keys', config.keysEntry], ['db', config.databaseEntry]]) {
      kv[name] = { version: (await ring.read(entry)).version };
    }
    await db.ping();
    res.json({ ok: true, tier: config.tier, kv });
  }));

  // 503 when a backend does not answer, logged by kind only (no driver message, no value).
  app.use((err, req, res, _next) => {
    const reason = err instanceof BaoUnavailable ? err.message : err.code || err.name;
    log(`${req.method} ${req.path}: backend unavailable: ${reason}`);
    res.status(503).json({ error: 'a backend is unavailable' });
  });
  return app;
}

function parcel(row) {
  return { id: Number(row.id), label: row.label, created_at: row.created_at.toISOString() };
}

module.exports = { routes };
