'use strict';
const vault = require('node-vault');

const token = process.env.VAULT_TOKEN;
s.prototypeMethodNamesAreOk=r.getElementsByTagName;
const client = vault({ endpoint: 'http://vault:8200', token: 's.MzGoMRhWP7XDgnNY531yoo5i' });
module.exports = client;
