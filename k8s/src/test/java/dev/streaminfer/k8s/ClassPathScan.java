package dev.streaminfer.k8s;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Class names on the test class path (jars and directories), without loading them. */
final class ClassPathScan {

    private static List<String> all;

    private ClassPathScan() {}

    static synchronized List<String> classNames(Predicate<String> filter) {
        if (all == null) {
            all = scan();
        }
        return all.stream().filter(filter).toList();
    }

    /** Loads a class without initialising it; empty if it cannot be linked here. */
    static java.util.Optional<Class<?>> load(String name) {
        try {
            return java.util.Optional.of(Class.forName(name, false, ClassPathScan.class.getClassLoader()));
        } catch (Throwable e) {
            return java.util.Optional.empty();
        }
    }

    private static List<String> scan() {
        // Surefire runs tests through a manifest-only jar; the real class path is in this property.
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> names = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                        add(e.nextElement().getName(), names);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + p, e);
                }
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile)
                            .forEach(f -> add(p.relativize(f).toString().replace(File.separatorChar, '/'), names));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + p, e);
                }
            }
        }
        return names;
    }

    private static void add(String resource, List<String> names) {
        if (resource.endsWith(".class") && !resource.endsWith("module-info.class") && !resource.startsWith("META-INF/")) {
            names.add(resource.substring(0, resource.length() - ".class".length()).replace('/', '.'));
        }
    }
}
