package dev.streaminfer.functions.connector.redis;

class TestingRedisConnectionTest extends RedisConnectionContract {

    private final TestingRedisConnection connection = new TestingRedisConnection();

    @Override
    protected RedisConnection connection() {
        return connection;
    }

    @Override
    protected String valueOf(String key) {
        return connection.values.get(key);
    }
}
