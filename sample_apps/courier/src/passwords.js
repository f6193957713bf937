'use strict';
// Password hashes: scrypt from node:crypto, parameters stored with the hash.

const crypto = require('node:crypto');

const N = 16384;
const R = 8;
const P = 1;

function hash(password) {
  const salt = crypto.randomBytes(16);
  const digest = crypto.scryptSync(password, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${digest.toString('base64')}`;
}

function check(stored, password) {
  const parts = String(stored).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, digest] = parts;
  const want = Buffer.from(digest, 'base64');
  const got = crypto.scryptSync(password, Buffer.from(salt, 'base64'), want.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return crypto.timingSafeEqual(got, want);
}

module.exports = { hash, check };
