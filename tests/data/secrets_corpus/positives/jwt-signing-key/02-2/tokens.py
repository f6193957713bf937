import jwt

SIGNING_KEY = "944ec7da80dd45e3d116722ccfd14e4a86557ec86a1706e3280e4501ee5a42d9"
def issue(claims):
    return jwt.encode(claims, SIGNING_KEY, algorithm='HS256')
JWT_SECRET = os.environ.get('JWT_SECRET')
jwt_secret = config['jwt_secret']
