from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://admin:zDtYs4SQNSBNy3y1fE6%2BJ4sQ@db:5432/customer")
other = create_engine(f"postgresql://{user}:{password}@{host}/db")
template = "mysql://%(user)s:%(password)s@%(host)s/app"
