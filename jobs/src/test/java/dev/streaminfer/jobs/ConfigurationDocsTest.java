package dev.streaminfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.contract.registry.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README's configuration table and the option classes describe the same options. */
class ConfigurationDocsTest {

    /** First cell of a table row: `a.b.c` / `.d` / `.e` (shorthand keeps a.b.). */
    private static final Pattern ROW = Pattern.compile("^\\| (`streaminfer\\.[^|]+) \\|", Pattern.MULTILINE);
    private static final Pattern KEY = Pattern.compile("`([^`]+)`");

    static Set<String> documentedKeys(String readme) {
        Set<String> keys = new HashSet<>();
        Matcher row = ROW.matcher(readme);
        while (row.find()) {
            String prefix = null;
            Matcher key = KEY.matcher(row.group(1));
            while (key.find()) {
                String k = key.group(1);
                if (k.startsWith(".") && prefix != null) {
                    keys.add(prefix + k.substring(1));
                } else {
                    keys.add(k);
                    prefix = k.substring(0, k.lastIndexOf('.') + 1);
                }
            }
        }
        return keys;
    }

    static List<ConfigOption<?>> allOptions() {
        List<ConfigOption<?>> options = new ArrayList<>(JobOptions.ALL);
        options.addAll(BatchingOptions.ALL);
        return options;
    }

    @Test
    void everyOptionIsDocumentedAndEveryDocumentedKeyExists() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> documented = documentedKeys(readme);
        Set<String> actual = new HashSet<>();
        allOptions().forEach(o -> actual.add(o.key()));
        assertThat(actual).contains(BatchingOptions.MODELS_FILE.key());
        assertThat(documented).as("options missing from the README table").containsAll(actual);
        assertThat(actual).as("README documents options that do not exist").containsAll(documented);
    }

    @Test
    void shorthandRowsExpandToFullKeys() {
        assertThat(documentedKeys("| `streaminfer.redis.result-ttl` / `.usage-ttl` | 24 h | x |\n"))
                .containsExactlyInAnyOrder("streaminfer.redis.result-ttl", "streaminfer.redis.usage-ttl");
    }
}
