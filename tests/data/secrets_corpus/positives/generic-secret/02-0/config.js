module.exports = {
  port: 3000,
  apiSecret: 'fb585e4bcb70fe668c3af04a5da9287d2183bde8',
  passwordField: 'password',
  tokenHeader: 'authorization',
  secretName: process.env.SECRET_NAME,
};
