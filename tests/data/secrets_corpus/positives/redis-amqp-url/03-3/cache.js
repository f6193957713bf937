import { createClient } from 'redis';

const client = createClient({ url: 'rediss://default:pb1TMMSoP_5HYyiLbXll%23BjSk%2BD@redis.internal:6380' });
const url = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;
await client.connect();
