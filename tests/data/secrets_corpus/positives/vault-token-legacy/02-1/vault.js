'use strict';
const vault = require('node-vault');

const token = process.env.VAULT_TOKEN;
s.prototypeMethodNamesAreOk=r.getElementsByTagName;
const client = vault({ endpoint: 'http://vault:8200', token: 's.NoGHb703UTH3SBoa0esuaFMq.MKkSq' });
module.exports = client;
