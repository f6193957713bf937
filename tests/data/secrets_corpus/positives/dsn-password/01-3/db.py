from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://response:UXMTgIXPsJ9dj7yBE%21wF_B6oh@localhost:5432/worker")
other = create_engine(f"postgresql://{user}:{password}@{host}/db")
template = "mysql://%(user)s:%(password)s@%(host)s/app"
