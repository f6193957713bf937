import secrets
from flask import Flask

app = Flask(__name__)
app.secret_key = b'272805cf9be7f6f44492a3807fe09dbe'
app.secret_key = secrets.token_hex()
SECRET_KEY = get_random_secret_key()
