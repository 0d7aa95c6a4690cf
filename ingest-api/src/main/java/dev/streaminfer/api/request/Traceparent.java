package dev.streaminfer.api.request;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** W3C trace context: a client's valid {@code traceparent} is propagated, otherwise a new trace starts. */
public final class Traceparent {

    private static final Pattern VALID = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "00000000000000000000000000000000";
    private static final String ZERO_SPAN = "0000000000000000";
    private static final HexFormat HEX = HexFormat.of();

    private Traceparent() {}

    public static boolean isValid(String header) {
        return header != null && VALID.matcher(header).matches()
                && !header.substring(3, 35).equals(ZERO_TRACE) && !header.substring(36, 52).equals(ZERO_SPAN);
    }

    public static String orNew(String header) {
        if (isValid(header)) {
            return header;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        // 16 digits per long (String.format showed in the load profile)
        return "00-" + HEX.toHexDigits(r.nextLong() | 1) + HEX.toHexDigits(r.nextLong()) + "-"
                + HEX.toHexDigits(r.nextLong() | 1) + "-01";
    }
}
