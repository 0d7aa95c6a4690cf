package dev.streaminfer.contract.registry;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model location: {@code classpath:<resource>} or a file path. */
public final class ModelResources {

    private static final String CLASSPATH = "classpath:";

    private ModelResources() {}

    public static InputStream open(String location) throws IOException {
        if (location.startsWith(CLASSPATH)) {
            String resource = location.substring(CLASSPATH.length());
            InputStream in = ModelResources.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new FileNotFoundException("model resource not on the classpath: " + resource);
            }
            return in;
        }
        return Files.newInputStream(Path.of(location));
    }

    public static byte[] readAll(String location) throws IOException {
        try (InputStream in = open(location)) {
            return in.readAllBytes();
        }
    }
}
