from celery import Celery

app = Celery('tasks', broker='amqps://timeout:EM%21SEn-DkcB5-xLOd3gURs%25%2Bkg@rabbitmq:5672/value')
app.conf.result_backend = 'rediss://default:Index%23route1231%23@redis.internal:6380'
app.conf.broker_url = os.environ['BROKER_URL']
# broker='amqp://guest:<password>@localhost//'
