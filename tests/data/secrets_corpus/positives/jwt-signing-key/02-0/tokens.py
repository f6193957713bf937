import jwt

SIGNING_KEY = "2cc28108e57a904c4aef85b48cd6e3f1d937620036df69c767924bbef80a1163"
def issue(claims):
    return jwt.encode(claims, SIGNING_KEY, algorithm='HS256')
JWT_SECRET = os.environ.get('JWT_SECRET')
jwt_secret = config['jwt_secret']
