package dev.streaminfer.api.service;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Request ids: time-ordered UUIDv7 strings (index-friendly in PostgreSQL), and the ids we accept in paths. */
public final class RequestIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {}

    public static String newId(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** Whether a path segment can name a request at all (anything else is answered 404 at once). */
    public static boolean isPlausible(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
