package dev.streaminfer.k8s;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * Every configuration key the FlinkDeployment may use, found rather than listed:
 * <ul>
 *   <li>Flink's and the job's options: the static {@link ConfigOption} fields of the classes on
 *       this test's class path (the job module and its Flink dependencies, plus the plugins the
 *       image installs: RocksDB, Kubernetes, Prometheus reporter, GPU driver). Classes are found
 *       by scanning, so moving an options class does not break this.</li>
 *   <li>The operator's and the autoscaler's options ({@code kubernetes.operator.*},
 *       {@code job.autoscaler.*}): parsed from the option classes of the Flink Kubernetes
 *       Operator 1.15.0 vendored under crds/flink-kubernetes-operator (the operator API is not in
 *       the Maven registry).</li>
 * </ul>
 */
final class OptionCatalog {

    /** A key with its parser: empty result = valid, else the problem. */
    record Known(String key, String origin, boolean deprecated, java.util.function.Function<String, Optional<String>> check) {}

    private final Map<String, Known> exact = new LinkedHashMap<>();
    private final Map<String, ConfigOption<?>> flinkOptions = new LinkedHashMap<>();
    /** Template keys such as metrics.reporter.<name>.factory.class, as regular expressions. */
    private final Map<Pattern, Known> templates = new LinkedHashMap<>();
    /** Keys of option classes by package (GPU driver parameters are relative keys). */
    private final Map<String, List<String>> relativeKeysByPackage = new LinkedHashMap<>();
    private final Map<String, List<String>> relativeKeysByClass = new LinkedHashMap<>();
    private final List<String> scannedClasses = new ArrayList<>();

    private static OptionCatalog instance;

    static synchronized OptionCatalog get() {
        if (instance == null) {
            instance = new OptionCatalog();
            instance.scanClassPath();
            instance.parseOperatorSource(Project.crds().resolve("flink-kubernetes-operator/AutoScalerOptions.java.txt"),
                    "autoScalerConfig", "job.autoscaler.");
            instance.parseOperatorSource(Project.crds().resolve("flink-kubernetes-operator/KubernetesOperatorConfigOptions.java.txt"),
                    "operatorConfig", "kubernetes.operator.");
        }
        return instance;
    }

    List<String> scannedClasses() {
        return scannedClasses;
    }

    /** Flink's ConfigOption for a key (or one of its fallback keys), if it is one. */
    Optional<ConfigOption<?>> flinkOption(String key) {
        return Optional.ofNullable(flinkOptions.get(key));
    }

    /** Why {@code key: value} is not a valid option, or empty. */
    Optional<String> problem(String key, String value) {
        Known known = exact.get(key);
        if (known == null) {
            for (Map.Entry<Pattern, Known> t : templates.entrySet()) {
                if (t.getKey().matcher(key).matches()) {
                    known = t.getValue();
                    break;
                }
            }
        }
        if (known == null) {
            return Optional.of("unknown option (not a Flink, job, operator or autoscaler option on the class path)");
        }
        if (known.deprecated()) {
            return Optional.of("deprecated key (" + known.origin() + "); use its current name");
        }
        return known.check().apply(value);
    }

    /** Keys declared by option classes in {@code pkg} (used for relative keys like driver parameters). */
    List<String> relativeKeys(String pkg) {
        return relativeKeysByPackage.getOrDefault(pkg, List.of());
    }

    /** Current (not deprecated) keys starting with {@code prefix}. */
    List<String> keysStartingWith(String prefix) {
        return exact.values().stream().filter(k -> k.key().startsWith(prefix) && !k.deprecated()).map(Known::key).sorted().toList();
    }

    /** Keys declared by one option class (some declare keys relative to a documented prefix). */
    List<String> keysOf(String className) {
        return relativeKeysByClass.getOrDefault(className, List.of());
    }

    /** Template keys (with a {@code <placeholder>}) found on the class path. */
    List<String> templateKeys() {
        return templates.values().stream().map(Known::key).toList();
    }

    // --------------------------------------------------------------------------------------

    private void scanClassPath() {
        ClassPathScan.classNames(name -> !name.contains(".shaded.")
                        && (name.startsWith("dev.streaminfer.")
                            || (name.startsWith("org.apache.flink.") && name.substring(name.lastIndexOf('.') + 1).contains("Options"))))
                .forEach(this::consider);
        if (exact.isEmpty()) {
            throw new IllegalStateException("no ConfigOption found on the test class path");
        }
    }

    private void consider(String className) {
        Class<?> c;
        List<Field> optionFields = new ArrayList<>();
        try {
            c = Class.forName(className, false, OptionCatalog.class.getClassLoader());
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    optionFields.add(f);
                }
            }
        } catch (Throwable e) { // a class that needs what is not on the class path: not ours to check
            return;
        }
        if (optionFields.isEmpty()) {
            return;
        }
        scannedClasses.add(className);
        for (Field f : optionFields) {
            ConfigOption<?> option;
            try {
                f.setAccessible(true);
                option = (ConfigOption<?>) f.get(null);
            } catch (Throwable e) {
                continue;
            }
            if (option == null) {
                continue;
            }
            boolean deprecated = f.isAnnotationPresent(Deprecated.class);
            relativeKeysByPackage.computeIfAbsent(c.getPackageName(), k -> new ArrayList<>()).add(option.key());
            relativeKeysByClass.computeIfAbsent(className, k -> new ArrayList<>()).add(option.key());
            add(option.key(), option, className + "." + f.getName(), deprecated);
            for (FallbackKey fallback : option.fallbackKeys()) {
                // Deprecated names still work, but a new manifest should not use them.
                add(fallback.getKey(), option, className + "." + f.getName() + " (now " + option.key() + ")", fallback.isDeprecated());
            }
        }
    }

    private void add(String key, ConfigOption<?> option, String origin, boolean deprecated) {
        java.util.function.Function<String, Optional<String>> check = value -> {
            try {
                Configuration conf = Configuration.fromMap(Map.of(key, value));
                conf.get(option);
                return Optional.empty();
            } catch (RuntimeException e) {
                return Optional.of("value '" + value + "' does not parse as " + option.key() + ": " + e.getMessage());
            }
        };
        Known known = new Known(key, origin, deprecated, check);
        if (key.contains("<")) {
            // A template with no literal part before its first placeholder ("<parameter>") would match anything.
            if (key.indexOf('<') > 0) {
                templates.putIfAbsent(template(key), new Known(key, origin, deprecated, value -> Optional.empty()));
            }
        } else {
            Known previous = exact.get(key);
            if (previous == null || (previous.deprecated() && !deprecated)) {
                exact.put(key, known);
            }
            flinkOptions.putIfAbsent(key, option);
        }
    }

    /** metrics.reporter.<name>.factory.class -> metrics\.reporter\.[^.]+\.factory\.class; a last placeholder may span dots. */
    static Pattern template(String key) {
        StringBuilder regex = new StringBuilder();
        Matcher m = Pattern.compile("<[^>]+>").matcher(key);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(key.substring(last, m.start())));
            regex.append(m.end() == key.length() ? ".+" : "[^.]+");
            last = m.end();
        }
        regex.append(Pattern.quote(key.substring(last)));
        return Pattern.compile(regex.toString());
    }

    private static final Pattern OPERATOR_OPTION = Pattern.compile(
            "public static final ConfigOption<[^=]+=\\s*(\\w+)\\(\"([^\"]+)\"\\)\\s*\\.(\\w+)\\(");

    private void parseOperatorSource(Path source, String builder, String prefix) {
        String text = Project.read(source);
        Matcher m = OPERATOR_OPTION.matcher(text);
        int found = 0;
        while (m.find()) {
            if (!m.group(1).equals(builder)) {
                continue;
            }
            String key = prefix + m.group(2);
            String type = m.group(3);
            String annotations = text.substring(Math.max(0, text.lastIndexOf(';', m.start())), m.start());
            boolean deprecated = annotations.contains("@Deprecated");
            exact.put(key, new Known(key, source.getFileName() + " (operator 1.15.0)", deprecated, typeCheck(key, type)));
            found++;
        }
        if (found < 10) {
            throw new IllegalStateException("only " + found + " " + prefix + "* options parsed from " + source + ": the pattern needs a look");
        }
    }

    private static java.util.function.Function<String, Optional<String>> typeCheck(String key, String type) {
        return value -> {
            try {
                switch (type) {
                    case "booleanType" -> {
                        if (!value.equals("true") && !value.equals("false")) {
                            return Optional.of("'" + value + "' is not a boolean");
                        }
                    }
                    case "durationType" -> {
                        Duration ignored = TimeUtils.parseDuration(value);
                    }
                    case "doubleType" -> Double.parseDouble(value);
                    case "intType" -> Integer.parseInt(value);
                    case "longType" -> Long.parseLong(value);
                    case "memoryType" -> MemorySize.parse(value);
                    default -> { } // strings, enums, maps, lists: any text
                }
                return Optional.empty();
            } catch (RuntimeException e) {
                return Optional.of("value '" + value + "' of " + key + " is not a valid " + type.replace("Type", "") + ": " + e.getMessage());
            }
        };
    }
}
