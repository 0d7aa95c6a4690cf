package dev.streaminfer.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Where things are: the k8s module, the repository root, the parent POM's versions. */
final class Project {

    private Project() {}

    /** The k8s module directory (surefire passes it; a run from the module directory works too). */
    static Path k8sDir() {
        String configured = System.getProperty("streaminfer.k8s.dir");
        Path dir = configured == null || configured.isBlank() || configured.startsWith("${")
                ? Path.of("").toAbsolutePath() : Path.of(configured).toAbsolutePath();
        if (!Files.isDirectory(dir.resolve("base"))) {
            throw new IllegalStateException(dir + " is not the k8s module (no base/ in it)");
        }
        return dir;
    }

    static Path root() {
        return k8sDir().getParent();
    }

    static Path crds() {
        return k8sDir().resolve("src/test/resources/crds");
    }

    /** The Maven project version, which every image tag carries. */
    static String version() {
        String v = System.getProperty("streaminfer.version");
        if (v == null || v.isBlank() || v.startsWith("${")) {
            v = parentProperty("project.version");
        }
        return v;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** {@code <properties>} of the parent POM, plus {@code project.version}. */
    static Map<String, String> parentProperties() {
        try {
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(root().resolve("pom.xml").toFile());
            Map<String, String> props = new LinkedHashMap<>();
            Element project = doc.getDocumentElement();
            for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals("version")) {
                    props.put("project.version", e.getTextContent().trim());
                }
            }
            NodeList list = project.getElementsByTagName("properties");
            for (int i = 0; i < list.getLength(); i++) {
                if (list.item(i).getParentNode() != project) {
                    continue; // profiles
                }
                for (Node n = list.item(i).getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (n instanceof Element e) {
                        props.put(e.getTagName(), e.getTextContent().trim());
                    }
                }
            }
            return props;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the parent POM " + root().resolve("pom.xml"), e);
        }
    }

    static String parentProperty(String name) {
        String value = parentProperties().get(name);
        if (value == null) {
            throw new IllegalStateException("the parent POM has no property " + name);
        }
        return value;
    }
}
