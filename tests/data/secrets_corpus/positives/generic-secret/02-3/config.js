module.exports = {
  port: 3000,
  apiSecret: 'wyyi7AHZk/qR20/N8toIGV3D2UOcsKKjJwE3vhb9',
  passwordField: 'password',
  tokenHeader: 'authorization',
  secretName: process.env.SECRET_NAME,
};
