from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = 'e62898f0d2a2a11f9379d346331e188000e3cfd4e2c3056b'
app.config['SESSION_COOKIE_SECURE'] = True
app.secret_key = os.environ['SECRET_KEY']
