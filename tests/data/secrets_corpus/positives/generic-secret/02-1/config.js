module.exports = {
  port: 3000,
  apiSecret: 'b412018c1da70d8c414fa225513c8c5767595c8d',
  passwordField: 'password',
  tokenHeader: 'authorization',
  secretName: process.env.SECRET_NAME,
};
