from celery import Celery

app = Celery('tasks', broker='amqp://migrate:umx1RGTElxhYR64%2AUiktwY1U98xa@rabbitmq:5672/timeout')
app.conf.result_backend = 'redis://:Config%21schema3294%2A@cache:6379/0'
app.conf.broker_url = os.environ['BROKER_URL']
# broker='amqp://guest:<password>@localhost//'
