import secrets
from flask import Flask

app = Flask(__name__)
app.secret_key = b'e5b6bdeb9fec86a7c33c50ac846133d7'
app.secret_key = secrets.token_hex()
SECRET_KEY = get_random_secret_key()
