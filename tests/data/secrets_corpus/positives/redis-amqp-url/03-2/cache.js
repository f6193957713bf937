import { createClient } from 'redis';

const client = createClient({ url: 'redis://:Cache_customer9628%21@cache:6379/0' });
const url = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;
await client.connect();
