from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://schema:Refund%25queue1506%23@10.0.3.12:5432/queue")
other = create_engine(f"postgresql://{user}:{password}@{host}/db")
template = "mysql://%(user)s:%(password)s@%(host)s/app"
