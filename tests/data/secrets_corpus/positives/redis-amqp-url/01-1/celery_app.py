from celery import Celery

app = Celery('tasks', broker='amqp://client:Order%2Apath1397%2A@rabbitmq:5672/total')
app.conf.result_backend = 'rediss://default:%257f4w7aMt%25maHfaJbyrnvSb7Q@redis.internal:6380'
app.conf.broker_url = os.environ['BROKER_URL']
# broker='amqp://guest:<password>@localhost//'
