package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.backfill.LineAdmission.Compute;
import dev.streaminfer.backfill.LineAdmission.Refuse;
import dev.streaminfer.backfill.LineAdmission.Skip;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.validation.TokenCounter;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LineAdmissionTest {

    /** One token per word: enough to put a text over the limit on purpose. */
    private static final TokenCounter WORDS = text -> text.trim().split("\\s+").length;
    private static final int MAX_TOKENS = 5;

    private static LineAdmission fresh() {
        return new LineAdmission(Set.of(), Long.MAX_VALUE, MAX_TOKENS, WORDS);
    }

    private static String doc(String id, String text) {
        return "{\"id\": \"" + id + "\", \"text\": \"" + text + "\"}";
    }

    @Test
    void aValidDocumentIsComputedWithItsTokenCount() {
        assertThat(fresh().decide(1, doc("a", "three small words"))).isEqualTo(new Compute("a", "three small words", 3));
    }

    @Test
    void otherFieldsOfTheDocumentAreIgnored() {
        assertThat(fresh().decide(1, "{\"id\": \"a\", \"text\": \"hi\", \"lang\": \"en\", \"meta\": {\"x\": 1}}"))
                .isEqualTo(new Compute("a", "hi", 1));
    }

    @Test
    void blankLinesAreSkippedWithoutAnAnswer() {
        assertThat(fresh().decide(1, "   ")).isEqualTo(Skip.BLANK);
        assertThat(fresh().decide(1, "")).isEqualTo(Skip.BLANK);
    }

    @Test
    void linesWithoutAUsableIdAreRefusedByLineNumber() {
        LineAdmission admission = fresh();
        assertRefusedByLine(admission.decide(3, "not json"), 3, ErrorCode.NOT_JSON);
        assertRefusedByLine(admission.decide(4, "[1, 2]"), 4, ErrorCode.NOT_JSON);
        assertRefusedByLine(admission.decide(5, "{\"text\": \"no id\"}"), 5, ErrorCode.MISSING_FIELD);
        assertRefusedByLine(admission.decide(6, "{\"id\": null, \"text\": \"x\"}"), 6, ErrorCode.MISSING_FIELD);
        assertRefusedByLine(admission.decide(7, "{\"id\": 17, \"text\": \"x\"}"), 7, ErrorCode.WRONG_TYPE);
        assertRefusedByLine(admission.decide(8, "{\"id\": \"\", \"text\": \"x\"}"), 8, ErrorCode.WRONG_TYPE);
        assertRefusedByLine(admission.decide(9, "{\"id\": \"a\", \"text\": "), 9, ErrorCode.NOT_JSON);
    }

    @Test
    void aRepeatedIdIsRefusedByLineNumberAndTheFirstLineWins() {
        LineAdmission admission = fresh();
        assertThat(admission.decide(2, doc("a", "first"))).isInstanceOf(Compute.class);
        LineAdmission.Decision repeat = admission.decide(9, doc("a", "second"));
        assertRefusedByLine(repeat, 9, ErrorCode.INVALID_REQUEST);
        assertThat(((Refuse) repeat).message()).contains("\"a\"").contains("line 2");
    }

    @Test
    void invalidTextsAreRefusedByIdWithTheValidatorsCodes() {
        LineAdmission admission = fresh();
        assertRefusedById(admission.decide(1, "{\"id\": \"a\"}"), "a", ErrorCode.MISSING_FIELD);
        assertRefusedById(admission.decide(2, "{\"id\": \"b\", \"text\": 3}"), "b", ErrorCode.WRONG_TYPE);
        assertRefusedById(admission.decide(3, doc("c", "  ")), "c", ErrorCode.INVALID_REQUEST);
        LineAdmission.Decision tooLong = admission.decide(4, doc("d", "one two three four five six"));
        assertRefusedById(tooLong, "d", ErrorCode.INPUT_TOO_LONG);
        assertThat(((Refuse) tooLong).message()).isEqualTo("text has 6 tokens; the model accepts at most 5");
    }

    @Test
    void linesAlreadyAnsweredAreSkippedByIdOrByLine() {
        LineAdmission admission = new LineAdmission(
                Set.of(OutputLines.Key.ofId("a"), OutputLines.Key.ofLine(2)), Long.MAX_VALUE, MAX_TOKENS, WORDS);
        assertThat(admission.decide(1, doc("a", "done before"))).isEqualTo(Skip.ALREADY_ANSWERED);
        assertThat(admission.decide(2, "not json")).isEqualTo(Skip.ALREADY_ANSWERED);
        assertThat(admission.decide(3, "not json either")).isInstanceOf(Refuse.class);
        assertThat(admission.decide(4, doc("b", "new"))).isInstanceOf(Compute.class);
    }

    @Test
    void aResumedRunStillRefusesTheRepeatOfAnAnsweredId() {
        LineAdmission admission = new LineAdmission(Set.of(OutputLines.Key.ofId("a")), Long.MAX_VALUE, MAX_TOKENS, WORDS);
        assertThat(admission.decide(1, doc("a", "done before"))).isEqualTo(Skip.ALREADY_ANSWERED);
        assertRefusedByLine(admission.decide(5, doc("a", "again")), 5, ErrorCode.INVALID_REQUEST);
    }

    @Test
    void theLimitCountsEveryAnsweredLineAndSkipsTheRest() {
        LineAdmission admission = new LineAdmission(Set.of(OutputLines.Key.ofId("done")), 2, MAX_TOKENS, WORDS);
        assertThat(admission.decide(1, doc("done", "x"))).isEqualTo(Skip.ALREADY_ANSWERED);
        assertThat(admission.decide(2, "")).isEqualTo(Skip.BLANK);
        assertThat(admission.decide(3, "bad")).isInstanceOf(Refuse.class);
        assertThat(admission.decide(4, doc("b", "ok"))).isInstanceOf(Compute.class);
        assertThat(admission.decide(5, doc("c", "ok"))).isEqualTo(Skip.OVER_LIMIT);
        assertThat(admission.decide(6, "bad")).isEqualTo(Skip.OVER_LIMIT);
    }

    private static void assertRefusedByLine(LineAdmission.Decision d, long line, ErrorCode code) {
        assertThat(d).isInstanceOf(Refuse.class);
        Refuse r = (Refuse) d;
        assertThat(r.id()).isNull();
        assertThat(r.line()).isEqualTo(line);
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.message()).startsWith("line " + line);
    }

    private static void assertRefusedById(LineAdmission.Decision d, String id, ErrorCode code) {
        assertThat(d).isInstanceOf(Refuse.class);
        assertThat(((Refuse) d).id()).isEqualTo(id);
        assertThat(((Refuse) d).code()).isEqualTo(code);
    }
}
