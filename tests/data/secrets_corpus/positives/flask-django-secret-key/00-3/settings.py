"""Django settings."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-6(*-2c)fkyy)#kcg#=*2czci1f*j#w4o2izs=-#7j_hk_rh^_y'
DEBUG = False
ALLOWED_HOSTS = ['erp.example.com']
SECRET_KEY_FALLBACKS = []
