'use strict';
const vault = require('node-vault');

const token = process.env.VAULT_TOKEN;
s.prototypeMethodNamesAreOk=r.getElementsByTagName;
const client = vault({ endpoint: 'http://vault:8200', token: 'b.AAAAAQtyD_dhax_OPfu4uEpUQoPUgv45KA-m-vM72Zx-mwaTjW6Gwz5XpgP-GKrJogGodHltTeKnPZPb3yHY8Az0Km1lQgaA0bROEr5V-aykRWejQ4mI2w4jZ_ma8Hsb_O2jd7MJ793PzrEYjLHKAPL96bso' });
module.exports = client;
