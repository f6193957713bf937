from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = 'OZ4Wl34ufuwH1aqKlObAESHU6xc1Wo5F'
app.config['SESSION_COOKIE_SECURE'] = True
app.secret_key = os.environ['SECRET_KEY']
