import jwt

SIGNING_KEY = "d2567410f6fbb4b2c3630b0e49f5f0019281bd4b382a7509b732e49590b61f25"
def issue(claims):
    return jwt.encode(claims, SIGNING_KEY, algorithm='HS256')
JWT_SECRET = os.environ.get('JWT_SECRET')
jwt_secret = config['jwt_secret']
