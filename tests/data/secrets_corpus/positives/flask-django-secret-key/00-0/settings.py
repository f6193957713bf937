"""Django settings."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-f+nj3eb0vw-siu_ytq(+)zpx82*3&+b)34)v43uc06!ltld&f='
DEBUG = False
ALLOWED_HOSTS = ['erp.example.com']
SECRET_KEY_FALLBACKS = []
