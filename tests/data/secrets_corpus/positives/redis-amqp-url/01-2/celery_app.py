from celery import Celery

app = Celery('tasks', broker='amqp://item:Retry_table3931%2A@rabbitmq:5672/result')
app.conf.result_backend = 'rediss://default:Tax%23user47%25@redis.internal:6380'
app.conf.broker_url = os.environ['BROKER_URL']
# broker='amqp://guest:<password>@localhost//'
