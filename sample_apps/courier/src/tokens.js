'use strict';
// Bearer tokens and session cookies: JWTs (HS256) whose "kid" header is the KV version of
// the key that signed them, so a verifier picks the key by version (src/keys.js).

const jwt = require('jsonwebtoken');

class TokenRefused extends Error {}

async function sign(ring, keyName, subject, kind, lifetimeSeconds) {
  const { version, key } = await ring.current(keyName);
  return jwt.sign({ sub: subject, typ: kind }, key, {
    algorithm: 'HS256',
    expiresIn: lifetimeSeconds,
    keyid: String(version),
  });
}

async function verify(ring, keyName, token, kind) {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || !decoded.header || !/^\d+$/.test(decoded.header.kid || '')) {
    throw new TokenRefused('not a courier token');
  }
  const version = Number(decoded.header.kid);
  const key = await ring.accepted(keyName, version);
  if (!key) throw new TokenRefused(`signed by key version ${version}, no longer accepted`);
  let claims;
  try {
    claims = jwt.verify(token, key, { algorithms: ['HS256'] });
  } catch (err) {
    throw new TokenRefused(err.name === 'TokenExpiredError' ? 'expired' : 'bad signature');
  }
  if (claims.typ !== kind) throw new TokenRefused(`a ${claims.typ} token where a ${kind} token is needed`);
  return claims.sub;
}

module.exports = { sign, verify, TokenRefused };
