'use strict';
// The app's keys (KV entry <tier>/keys: jwt_key, cookie_key, webhook_key), read through a
// short cache so that a rotation takes effect within COURIER_CACHE_SECONDS, and the key
// ring a verifier uses:
//   * the current version: accepted;
//   * the version just before it: accepted only while the current version is younger
//     than the grace window, counted from the server's created_time (so every instance
//     agrees on when the window closes);
//   * any other version: refused.

const cache = new Map(); // "<entry>@<version>" -> { entry, expires }

function keys(bao, config) {
  async function read(entry, version) {
    const slot = `${entry}@${version || 'current'}`;
    const hit = cache.get(slot);
    if (hit && hit.expires > Date.now()) return hit.entry;
    const fresh = await bao.kv(entry, version);
    cache.set(slot, { entry: fresh, expires: Date.now() + 1000 * config.cacheSeconds });
    return fresh;
  }

  return {
    read,
    async current(name) {
      const entry = await read(config.keysEntry);
      return { version: entry.version, key: entry.data[name] };
    },
    // The key of `version` if a token signed with it may still be accepted, else null.
    async accepted(name, version) {
      const entry = await read(config.keysEntry);
      if (version === entry.version) return entry.data[name];
      if (version !== entry.version - 1) return null;
      if (Date.now() - entry.created > 1000 * config.graceSeconds) return null;
      const previous = await read(config.keysEntry, version);
      return previous.data[name] || null;
    },
  };
}

module.exports = { keys };
