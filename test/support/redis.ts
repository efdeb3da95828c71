export { startRedis, freePort, type TestRedis } from '../../src/lab/redis-server.js';
