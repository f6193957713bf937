module.exports = {
  port: 3000,
  apiSecret: 'lBUw9xtgdpqBc2mXygkg7EjyIIyNJAuP',
  passwordField: 'password',
  tokenHeader: 'authorization',
  secretName: process.env.SECRET_NAME,
};
