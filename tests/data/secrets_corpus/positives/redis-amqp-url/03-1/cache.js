import { createClient } from 'redis';

const client = createClient({ url: 'rediss://default:%2B%219s%5EDxQDKwO68u_g%5EkS@redis.internal:6380' });
const url = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;
await client.connect();
