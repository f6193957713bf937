import jwt

SIGNING_KEY = "958c80b7ff491c6b97dc204bc8c9d723863362c0594f45afcf0d6e883f2de4a3"
def issue(claims):
    return jwt.encode(claims, SIGNING_KEY, algorithm='HS256')
JWT_SECRET = os.environ.get('JWT_SECRET')
jwt_secret = config['jwt_secret']
