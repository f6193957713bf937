"""Django settings."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-@e7sqdoh+8rkgm4wlt&o2#omiupav8d!h!nh90cn6)t4=ac&b!'
DEBUG = False
ALLOWED_HOSTS = ['erp.example.com']
SECRET_KEY_FALLBACKS = []
