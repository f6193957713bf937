'use strict';
const vault = require('node-vault');

const token = process.env.VAULT_TOKEN;
s.prototypeMethodNamesAreOk=r.getElementsByTagName;
const client = vault({ endpoint: 'http://vault:8200', token: 'b.AAAAAQE_Xa3egXyO0BRED9PZmSaXbArK_Nih7oLcV_Obspvo3C5VdrzphwGW_MGZYXEAHpCVjIBdJsJ8uj1XjInB4OV1zVJGfqDLEdHDL_XmL79e8Skq71JSWPR-H1hc9PswYfW5g3x84ZCWKVfJgsGpW71R' });
module.exports = client;
