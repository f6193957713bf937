import { createClient } from 'redis';

const client = createClient({ url: 'redis://:wEwlFrtgY6is%25%2BdEEygcnpz6Y4@cache:6379/0' });
const url = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;
await client.connect();
