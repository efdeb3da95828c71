export { startRedis, freePort, type TestRedis, type RedisServerOptions } from '../../src/lab/redis-server.js';
