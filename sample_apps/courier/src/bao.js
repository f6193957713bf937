'use strict';
// courier's one door to OpenBao (or Vault: same HTTP API): AppRole login, KV v2 reads,
// database logins. Plain HTTPS requests, with the server's CA when one is given.
//
// The client token lives only in this process. When OpenBao refuses it (expired,
// revoked), the client logs in again with whatever secret_id the file holds now: the
// rotation tool replaces that file when it destroys the old secret_id.
// No value read from OpenBao is ever logged: log lines name paths and versions only.

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const TIMEOUT_MS = 5000;

class BaoUnavailable extends Error {}

class BaoClient {
  constructor(config, log) {
    this.config = config;
    this.log = log;
    this.token = null;
    this.tokenExpires = 0;
    const url = new URL(config.addr);
    this.transport = url.protocol === 'https:' ? https : http;
    this.agentOptions = config.caFile ? { ca: fs.readFileSync(config.caFile) } : {};
  }

  request(method, path, body, token) {
    const url = new URL(`${this.config.addr}/v1/${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers['X-Vault-Token'] = token;
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        { method, headers, timeout: TIMEOUT_MS, ...this.agentOptions },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            resolve({ status: res.statusCode, json });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(new BaoUnavailable(`${method} ${path}: ${err.code || err.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async login() {
    const secretId = fs.readFileSync(this.config.secretIdFile, 'utf8').trim();
    const answer = await this.request('POST', `auth/${this.config.approleMount}/login`, {
      role_id: this.config.roleId,
      secret_id: secretId,
    });
    if (answer.status !== 200 || !answer.json || !answer.json.auth) {
      throw new BaoUnavailable(`AppRole login as ${this.config.role} refused (HTTP ${answer.status})`);
    }
    this.token = answer.json.auth.client_token;
    this.tokenExpires = Date.now() + 1000 * Number(answer.json.auth.lease_duration || 0);
    this.log(`logged in to OpenBao as AppRole ${this.config.role} (token ttl ${answer.json.auth.lease_duration}s)`);
  }

  forget() {
    this.token = null;
  }

  // One call; a refused or expired token means one fresh login and one retry.
  async call(method, path, body) {
    for (const attempt of [1, 2]) {
      if (!this.token || Date.now() >= this.tokenExpires - 1000) await this.login();
      const answer = await this.request(method, path, body, this.token);
      if (answer.status === 403 && attempt === 1) {
        this.log(`${path}: OpenBao refused the token; logging in again`);
        this.forget();
        continue;
      }
      if (answer.status >= 400) throw new BaoUnavailable(`${method} ${path}: HTTP ${answer.status}`);
      return answer.json;
    }
    throw new BaoUnavailable(`${method} ${path}: refused twice`);
  }

  // A KV v2 entry: { version, created (ms since the epoch), data }.
  async kv(entry, version) {
    const query = version ? `?version=${version}` : '';
    const answer = await this.call('GET', `${this.config.kvMount}/data/${entry}${query}`);
    const meta = answer.data.metadata;
    return { version: Number(meta.version), created: Date.parse(meta.created_time), data: answer.data.data };
  }

  // A fresh dynamic PostgreSQL login: { user, password, expires (ms since the epoch) }.
  async databaseLogin() {
    const answer = await this.call('GET', `${this.config.databaseMount}/creds/${this.config.role}`);
    this.log(`new database login ${answer.data.username} (lease ${answer.lease_duration}s)`);
    return {
      user: answer.data.username,
      password: answer.data.password,
      expires: Date.now() + 1000 * Number(answer.lease_duration),
    };
  }
}

module.exports = { BaoClient, BaoUnavailable };
