from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = '669a0d871e09b2548dcbfc5a8d083cf8db74a894b80a6466'
app.config['SESSION_COOKIE_SECURE'] = True
app.secret_key = os.environ['SECRET_KEY']
