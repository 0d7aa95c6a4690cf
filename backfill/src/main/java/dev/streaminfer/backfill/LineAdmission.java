package dev.streaminfer.backfill;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.serde.Json;
import dev.streaminfer.contract.validation.InputValidator;
import dev.streaminfer.contract.validation.TokenCounter;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Decides what becomes of each input line, in input order: plain logic, the Flink function around
 * it only routes the decision.
 *
 * <ul>
 *   <li>Blank lines are skipped (they are not documents and get no output line).</li>
 *   <li>A line that is not a JSON object, has no {@code id}, or whose {@code id} is not a non-empty
 *       string is refused by its line number ({@code not_json}, {@code missing_field},
 *       {@code wrong_type}).</li>
 *   <li>An id seen on an earlier line is a duplicate: the first line wins, the later one is
 *       refused by its line number ({@code invalid_request}), so the output keeps one line per id.</li>
 *   <li>A line already answered in the output file (resume) is skipped.</li>
 *   <li>Beyond {@code limit} answered lines this run, the rest are skipped (left for a later run).</li>
 *   <li>Otherwise the text is validated exactly as the job validates a request
 *       ({@link InputValidator}, the model's own tokenizer and limit): a missing or non-string
 *       {@code text} is refused by id ({@code missing_field}, {@code wrong_type}), a blank one
 *       ({@code invalid_request}), one over the model's limit ({@code input_too_long}); a valid one
 *       is computed with its token count.</li>
 * </ul>
 * Other fields of the input object are ignored. Duplicates are found among every line, answered or
 * not, so a resumed run refuses the same lines.
 */
public final class LineAdmission {

    /** What to do with one line. */
    public sealed interface Decision permits Compute, Refuse, Skip {}

    /** Send {@code text} to the model as document {@code id}. */
    public record Compute(String id, String text, int tokens) implements Decision {}

    /** Answer with an error: by {@code id}, or by {@code line} when {@code id} is null. */
    public record Refuse(String id, long line, ErrorCode code, String message) implements Decision {}

    /** No output line from this run. */
    public enum Skip implements Decision { BLANK, ALREADY_ANSWERED, OVER_LIMIT }

    static final int MAX_ID_IN_MESSAGE = 120;

    private final Set<OutputLines.Key> answered;
    private final long limit;
    private final int maxInputTokens;
    private final TokenCounter tokens;
    private final Map<String, Long> firstLineOfId = new HashMap<>();
    private long admitted;

    /**
     * @param answered keys already in the output file
     * @param limit most lines to answer in this run (computed or refused); {@link Long#MAX_VALUE} for all
     */
    public LineAdmission(Set<OutputLines.Key> answered, long limit, int maxInputTokens, TokenCounter tokens) {
        this.answered = answered;
        this.limit = limit;
        this.maxInputTokens = maxInputTokens;
        this.tokens = tokens;
    }

    /** Lines must come in input order, numbered from 1. */
    public Decision decide(long line, String raw) {
        if (raw.isBlank()) {
            return Skip.BLANK;
        }
        JsonNode doc;
        try {
            doc = Json.mapper().readTree(raw);
        } catch (JacksonException e) {
            return admit(refuseLine(line, ErrorCode.NOT_JSON, "line " + line + " is not JSON: " + e.getOriginalMessage()));
        }
        if (doc == null || !doc.isObject()) {
            return admit(refuseLine(line, ErrorCode.NOT_JSON, "line " + line + " is not a JSON object"));
        }
        JsonNode idNode = doc.get("id");
        if (idNode == null || idNode.isNull()) {
            return admit(refuseLine(line, ErrorCode.MISSING_FIELD, "line " + line + " has no id"));
        }
        if (!idNode.isTextual() || idNode.asText().isEmpty()) {
            return admit(refuseLine(line, ErrorCode.WRONG_TYPE, "line " + line + ": id must be a non-empty string"));
        }
        String id = idNode.asText();
        Long first = firstLineOfId.putIfAbsent(id, line);
        if (first != null) {
            return admit(refuseLine(line, ErrorCode.INVALID_REQUEST, "line " + line + " repeats id \""
                    + shortened(id) + "\" of line " + first + "; only the first is embedded"));
        }
        if (answered.contains(OutputLines.Key.ofId(id))) {
            return Skip.ALREADY_ANSWERED;
        }
        JsonNode textNode = doc.get("text");
        if (textNode == null || textNode.isNull()) {
            return admit(new Refuse(id, line, ErrorCode.MISSING_FIELD, "text is missing"));
        }
        if (!textNode.isTextual()) {
            return admit(new Refuse(id, line, ErrorCode.WRONG_TYPE, "text must be a string"));
        }
        String text = textNode.asText();
        InputValidator.Outcome checked = InputValidator.validate(new String[] {text}, maxInputTokens, tokens);
        if (!checked.isValid()) {
            // The validator names the request's inputs[0]; here that is the document's text.
            return admit(new Refuse(id, line, checked.failure().code(),
                    checked.failure().message().replace("inputs[0]", "text")));
        }
        return admit(new Compute(id, text, checked.totalTokens()));
    }

    private Decision refuseLine(long line, ErrorCode code, String message) {
        return answered.contains(OutputLines.Key.ofLine(line)) ? Skip.ALREADY_ANSWERED : new Refuse(null, line, code, message);
    }

    private Decision admit(Decision decision) {
        if (decision instanceof Skip) {
            return decision;
        }
        if (admitted >= limit) {
            return Skip.OVER_LIMIT;
        }
        admitted++;
        return decision;
    }

    private static String shortened(String id) {
        return id.length() <= MAX_ID_IN_MESSAGE ? id : id.substring(0, MAX_ID_IN_MESSAGE) + "...";
    }
}
