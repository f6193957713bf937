import secrets
from flask import Flask

app = Flask(__name__)
app.secret_key = b'03c094241ed93f208b5d922c242a2757'
app.secret_key = secrets.token_hex()
SECRET_KEY = get_random_secret_key()
