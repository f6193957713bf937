const jwt = require('jsonwebtoken');

function sign(user) {
  return jwt.sign({ sub: user.id, role: user.role }, '*_3y+Ft1rzRQoTalYjp3bl#zu1YGSjZ#_u-*Xppu', { expiresIn: '1h' });
}

function signRefresh(user) {
  return jwt.sign({ sub: user.id }, process.env.REFRESH_SECRET, { expiresIn: '30d' });
}

function verify(token) {
  return jwt.verify(token, process.env.JWT_SECRET);
}

module.exports = { sign, signRefresh, verify };
