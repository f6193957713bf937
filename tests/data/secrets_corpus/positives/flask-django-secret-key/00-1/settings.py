"""Django settings."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-u86e^cs*n6c7l0_kzq)^%6d1f18v%pc%gtkjb9a%5zknqr0n_@'
DEBUG = False
ALLOWED_HOSTS = ['erp.example.com']
SECRET_KEY_FALLBACKS = []
