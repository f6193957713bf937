from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://store_erp:Server_cache7067%2A@db:5432/timeout")
other = create_engine(f"postgresql://{user}:{password}@{host}/db")
template = "mysql://%(user)s:%(password)s@%(host)s/app"
