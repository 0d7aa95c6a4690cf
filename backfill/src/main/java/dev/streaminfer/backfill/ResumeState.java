package dev.streaminfer.backfill;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * What an earlier run of the same backfill left in the output file. The writer appends whole
 * lines, but a run killed mid-write can leave a last line without its newline: that torn tail is
 * cut off (its input is computed again), so every line in the file is complete and the file can be
 * appended to.
 *
 * @param answered the key of every complete line
 * @param lines how many complete lines the file holds
 * @param truncatedBytes bytes of a torn last line that were removed (0 if none)
 */
public record ResumeState(Set<OutputLines.Key> answered, long lines, long truncatedBytes) {

    public static ResumeState fresh() {
        return new ResumeState(Set.of(), 0, 0);
    }

    /**
     * Reads {@code output} (missing: a fresh run), then cuts off a torn last line.
     *
     * @throws IllegalArgumentException if a complete line is not an output line, naming it: the
     *     file is not this command's output, and appending to it would mix two formats
     */
    public static ResumeState prepare(Path output) throws IOException {
        if (!Files.exists(output)) {
            return fresh();
        }
        long size = Files.size(output);
        long end;
        try (FileChannel ch = FileChannel.open(output, StandardOpenOption.READ)) {
            end = lastNewlineEnd(ch, size);
        }
        boolean torn = end < size;
        Set<OutputLines.Key> answered = new HashSet<>();
        long lines = 0;
        // Every complete line is checked before anything is cut, so a foreign file is never modified.
        // Lenient decoding: a tear may split a multi-byte character of the last line.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(output), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            while (line != null) {
                String next = in.readLine();
                if (next == null && torn) {
                    break; // the torn tail: cut off below
                }
                lines++;
                try {
                    answered.add(OutputLines.keyOf(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(output + " line " + lines + " is " + e.getMessage()
                            + "; choose another --output or remove the file", e);
                }
                line = next;
            }
        }
        long truncated = torn ? truncateTornTail(output) : 0;
        return new ResumeState(answered, lines, truncated);
    }

    /** Cuts the file after its last newline; returns the number of bytes removed. */
    static long truncateTornTail(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long end = lastNewlineEnd(ch, size);
            if (end < size) {
                ch.truncate(end);
                ch.force(true);
            }
            return size - end;
        }
    }

    /** The offset just after the last '\n' (0 if none), reading backwards in blocks. */
    private static long lastNewlineEnd(FileChannel ch, long size) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        long pos = size;
        while (pos > 0) {
            int n = (int) Math.min(block.capacity(), pos);
            pos -= n;
            block.clear().limit(n);
            while (block.hasRemaining()) {
                if (ch.read(block, pos + block.position()) < 0) {
                    throw new IOException("file shrank while reading it");
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }
}
