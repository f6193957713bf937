from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = 'UEU+52/kzsKO5xd76wlm27gZj7MxdWSb'
app.config['SESSION_COOKIE_SECURE'] = True
app.secret_key = os.environ['SECRET_KEY']
