package dev.streaminfer.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code GET /docs}: Swagger UI over {@code /openapi.json}, its files served from the
 * {@code org.webjars:swagger-ui} jar on the classpath (no CDN, works offline). Only the few files
 * the page loads are served, read once at start.
 */
final class DocsPage {

    static final String PATH = "/docs";
    static final String ASSETS = PATH + "/assets/";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final Map<String, String> FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png");

    /** One served file. */
    record Asset(String contentType, byte[] bytes) {}

    private final String html;
    private final Map<String, Asset> assets;

    private DocsPage(String html, Map<String, Asset> assets) {
        this.html = html;
        this.assets = assets;
    }

    /** @throws IllegalStateException if the webjar is not on the classpath */
    static DocsPage load() {
        String version = version();
        Map<String, Asset> assets = new HashMap<>();
        FILES.forEach((name, type) -> assets.put(name, new Asset(type, read(WEBJAR + version + "/" + name))));
        String html = """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                  <meta charset="UTF-8">
                  <title>streaminfer API</title>
                  <link rel="stylesheet" href="%1$sswagger-ui.css">
                  <link rel="icon" type="image/png" href="%1$sfavicon-32x32.png">
                </head>
                <body>
                  <div id="swagger-ui"></div>
                  <script src="%1$sswagger-ui-bundle.js" charset="UTF-8"></script>
                  <script>
                    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
                  </script>
                </body>
                </html>
                """.formatted(ASSETS);
        return new DocsPage(html, Map.copyOf(assets));
    }

    String html() {
        return html;
    }

    Optional<Asset> asset(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    /** The webjar's own version, so the page never names a version the jar does not hold. */
    private static String version() {
        Properties props = new Properties();
        try (InputStream in = resource("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props.getProperty("version");
    }

    private static byte[] read(String path) {
        try (InputStream in = resource(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String path) {
        InputStream in = DocsPage.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException(path + " is not on the classpath (org.webjars:swagger-ui)");
        }
        return in;
    }
}
