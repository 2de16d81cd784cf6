package io.pgmux.proxy.kubernetes;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the repository's Dockerfile puts in the image and runs, read from the Dockerfile itself, so
 * that the manifests are checked against the image as it is built: the config file the command
 * reads ({@code CMD ["-c", FILE, ...]}) and the repository files copied into the final image.
 */
record Image(Path configFile, Map<Path, Path> copiedFiles) {
    /** The repository's root, from the proxy module the tests run in. */
    static final Path REPOSITORY = Path.of("..");

    static Image fromDockerfile() {
        List<String> lines;
        try {
            lines = Files.readAllLines(REPOSITORY.resolve("Dockerfile"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path config = null;
        Map<Path, Path> copied = new LinkedHashMap<>();
        for (String line : lines) {
            List<String> words = Arrays.asList(line.strip().split("\\s+"));
            if (words.get(0).equals("FROM")) {
                copied.clear(); // only the last stage is the image
            } else if (words.get(0).equals("CMD")) {
                List<String> args = Arrays.stream(line.strip().substring(3).strip().replaceAll("^\\[|]$", "").split(","))
                        .map(arg -> arg.strip().replaceAll("^\"|\"$", "")).toList();
                int c = args.indexOf("-c");
                assertTrue(c >= 0 && c + 1 < args.size(), "the Dockerfile's CMD names the config with -c: " + line);
                config = Path.of(args.get(c + 1));
            } else if (words.get(0).equals("COPY") && words.stream().noneMatch(w -> w.startsWith("--from")) && words.size() == 3) {
                copied.put(Path.of(words.get(2)), REPOSITORY.resolve(words.get(1)));
            }
        }
        assertNotNull(config, "the Dockerfile has a CMD with -c FILE");
        return new Image(config, copied);
    }

    /** The directory a ConfigMap must be mounted at to replace the image's config file. */
    Path configDirectory() {
        return configFile.getParent();
    }

    /** The repository file the image holds at {@code path}. */
    Path sourceOf(Path path) {
        Path source = copiedFiles.get(path);
        assertNotNull(source, "the Dockerfile copies nothing to " + path + ": " + copiedFiles);
        return source;
    }
}
