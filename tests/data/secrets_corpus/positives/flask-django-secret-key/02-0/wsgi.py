import secrets
from flask import Flask

app = Flask(__name__)
app.secret_key = b'8789b048265a613a38d2406f624d96d4'
app.secret_key = secrets.token_hex()
SECRET_KEY = get_random_secret_key()
