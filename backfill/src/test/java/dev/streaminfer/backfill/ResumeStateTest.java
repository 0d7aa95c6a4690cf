package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeStateTest {

    @TempDir
    Path dir;

    private static final String A = OutputLines.embedding("a", "m", new float[] {0.5f, -0.25f}, 3);
    private static final String B = OutputLines.error("b", "input_too_long", "too long");
    private static final String L = OutputLines.lineError(3, "not_json", "line 3 is not JSON");

    @Test
    void noOutputFileIsAFreshRun() throws Exception {
        assertThat(ResumeState.prepare(dir.resolve("missing.jsonl"))).isEqualTo(ResumeState.fresh());
    }

    @Test
    void everyCompleteLineIsAnsweredAndTheFileIsUntouched() throws Exception {
        Path out = write(A + "\n" + B + "\n" + L + "\n");
        long size = Files.size(out);
        ResumeState state = ResumeState.prepare(out);
        assertThat(state.answered()).isEqualTo(Set.of(OutputLines.Key.ofId("a"), OutputLines.Key.ofId("b"),
                OutputLines.Key.ofLine(3)));
        assertThat(state.lines()).isEqualTo(3);
        assertThat(state.truncatedBytes()).isZero();
        assertThat(Files.size(out)).isEqualTo(size);
    }

    @Test
    void aTornLastLineIsCutOffAndNotAnswered() throws Exception {
        String torn = B.substring(0, 10);
        Path out = write(A + "\n" + torn);
        ResumeState state = ResumeState.prepare(out);
        assertThat(state.answered()).containsExactly(OutputLines.Key.ofId("a"));
        assertThat(state.truncatedBytes()).isEqualTo(torn.length());
        assertThat(Files.readString(out)).isEqualTo(A + "\n");
    }

    @Test
    void aFileWithOnlyATornLineBecomesEmpty() throws Exception {
        Path out = write("{\"id\": \"a\", \"mod");
        ResumeState state = ResumeState.prepare(out);
        assertThat(state.lines()).isZero();
        assertThat(Files.size(out)).isZero();
    }

    @Test
    void aTornTailLongerThanOneReadBlockIsCutAtTheRightNewline() throws Exception {
        String longTorn = "{\"id\": \"x\", \"embedding\": [" + "0.123456,".repeat(20_000);
        Path out = write(A + "\n" + B + "\n" + longTorn);
        assertThat(ResumeState.prepare(out).lines()).isEqualTo(2);
        assertThat(Files.readString(out)).isEqualTo(A + "\n" + B + "\n");
    }

    @Test
    void aForeignFileIsRefusedNamingTheLine() throws Exception {
        Path out = write(A + "\n" + "{\"foo\": 1}\n");
        assertThatThrownBy(() -> ResumeState.prepare(out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void aForeignFileIsNotCutEvenWithoutAFinalNewline() throws Exception {
        String foreign = "{\"foo\": 1}\n{\"bar\": 2}";
        Path out = write(foreign);
        assertThatThrownBy(() -> ResumeState.prepare(out)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.readString(out)).isEqualTo(foreign);
    }

    @Test
    void aTearInsideAMultiByteCharacterIsCutCleanly() throws Exception {
        Path out = dir.resolve("out.jsonl");
        byte[] line = (OutputLines.error("東京", "invalid_request", "x") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] tornTail = OutputLines.error("タワー", "invalid_request", "x").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[line.length + 9];
        System.arraycopy(line, 0, content, 0, line.length);
        System.arraycopy(tornTail, 0, content, line.length, 9); // ends inside the 3-byte タ
        Files.write(out, content);
        ResumeState state = ResumeState.prepare(out);
        assertThat(state.answered()).containsExactly(OutputLines.Key.ofId("東京"));
        assertThat(Files.readAllBytes(out)).isEqualTo(line);
    }

    private Path write(String content) throws Exception {
        Path out = dir.resolve("out.jsonl");
        Files.writeString(out, content, StandardCharsets.UTF_8);
        return out;
    }
}
