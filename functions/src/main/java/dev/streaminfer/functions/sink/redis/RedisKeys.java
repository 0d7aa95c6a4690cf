package dev.streaminfer.functions.sink.redis;

/** Key layout in Redis, shared by the job (writer) and the API (reader). */
public final class RedisKeys {

    private RedisKeys() {}

    /** The result document of one request. */
    public static String result(String requestId) {
        return "inference:result:" + requestId;
    }

    /** The per-user usage mirror written from the job's quota state. */
    public static String usage(String userId) {
        return "inference:usage:" + userId;
    }
}
