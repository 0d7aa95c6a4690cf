package dev.streaminfer.backfill;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The one owner of the output file's line format (JSON lines, one per answered input line):
 *
 * <pre>
 * {"id": "doc-1", "model": "all-minilm-l6-v2-q", "embedding": [0.01, ...], "input_tokens": 12}
 * {"id": "doc-2", "error": {"code": "input_too_long", "message": "..."}}
 * {"line": 17, "error": {"code": "not_json", "message": "..."}}
 * </pre>
 *
 * The third shape answers an input line that has no usable id (not JSON, no id, an id that is not a
 * string, or a duplicate of an earlier line's id): it is keyed by its 1-based line number instead.
 * The key ({@code id} or {@code line}) is always the first field, so resume reads it without
 * parsing the vector.
 */
public final class OutputLines {

    private static final JsonFactory FACTORY = Json.mapper().getFactory();

    private OutputLines() {}

    /** What a line answers: an input id, or an input line without a usable id. */
    public record Key(String id, long line) implements Serializable {
        public static Key ofId(String id) {
            return new Key(id, 0);
        }

        public static Key ofLine(long line) {
            return new Key(null, line);
        }
    }

    /** The line for one outcome: its embedding if it completed, else its error. */
    public static String of(Outcome outcome) {
        InferenceResult r = outcome.result();
        if (r.requestId() == null) {
            return lineError(outcome.line(), r.errorCode(), r.errorMessage());
        }
        if (r.status() == RequestStatus.COMPLETED) {
            return embedding(r.requestId(), r.model(), r.embeddings()[0], r.inputTokens());
        }
        return error(r.requestId(), r.errorCode(), r.errorMessage());
    }

    public static String embedding(String id, String model, float[] vector, int inputTokens) {
        return write(g -> {
            g.writeStringField("id", id);
            g.writeStringField("model", model);
            g.writeArrayFieldStart("embedding");
            for (float v : vector) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeNumberField("input_tokens", inputTokens);
        });
    }

    public static String error(String id, String code, String message) {
        return write(g -> {
            g.writeStringField("id", id);
            writeError(g, code, message);
        });
    }

    public static String lineError(long line, String code, String message) {
        return write(g -> {
            g.writeNumberField("line", line);
            writeError(g, code, message);
        });
    }

    /**
     * The key of a complete output line, read from its first field.
     *
     * @throws IllegalArgumentException if the line is not one this class wrote
     */
    public static Key keyOf(String line) {
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
                throw new IllegalArgumentException("not an output line (no JSON object)");
            }
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("id".equals(field) && value == JsonToken.VALUE_STRING) {
                return Key.ofId(p.getText());
            }
            if ("line".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                return Key.ofLine(p.getLongValue());
            }
            throw new IllegalArgumentException("not an output line (its first field is neither id nor line)");
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not an output line (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Fields fields) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeError(JsonGenerator g, String code, String message) throws IOException {
        g.writeObjectFieldStart("error");
        g.writeStringField("code", code);
        g.writeStringField("message", message);
        g.writeEndObject();
    }
}
