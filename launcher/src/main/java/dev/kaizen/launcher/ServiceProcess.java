package dev.kaizen.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A service started the way its container image starts it: the ENTRYPOINT of its Dockerfile, run in
 * the module's target folder (which holds the same jar and libs/ the image copies), configured by
 * environment variables only, on free loopback ports. Used by the benchmark and the tests of the
 * packaged services.
 */
final class ServiceProcess implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The repository's root: the working directory or one above it (tests run in launcher/). */
    static final Path REPOSITORY = Stream.iterate(Path.of("").toAbsolutePath(), dir -> dir != null, Path::getParent)
            .filter(dir -> Files.isDirectory(dir.resolve("knowledge-service")) && Files.isDirectory(dir.resolve("k8s")))
            .findFirst().orElseThrow(() -> new IllegalStateException("run from the Kaizen repository"));
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    final Process process;
    final int port;
    final int adminPort;

    private ServiceProcess(Process process, int port, int adminPort) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
    }

    /** Starts {@code module} of the repository with {@code env} plus SERVER_PORT and ADMIN_PORT. */
    static ServiceProcess start(String module, Map<String, String> env) throws IOException {
        Path target = REPOSITORY.resolve(module).resolve("target");
        if (!Files.exists(target.resolve(module + ".jar"))) {
            throw new IllegalStateException(module + ".jar is not built: run the tests with 'mvn verify' (./kaizen test)");
        }
        List<String> command = new ArrayList<>(entrypoint(module));
        command.set(0, ProcessHandle.current().info().command().orElse("java"));
        int port = freePort();
        int adminPort = freePort();
        ProcessBuilder builder = new ProcessBuilder(command).directory(target.toFile())
                .redirectErrorStream(true)
                .redirectOutput(target.resolve(module + "-process.log").toFile());
        builder.environment().putAll(env);
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        builder.environment().put("SERVER_PORT", String.valueOf(port));
        builder.environment().put("ADMIN_PORT", String.valueOf(adminPort));
        return new ServiceProcess(builder.start(), port, adminPort);
    }

    /** The exec-form ENTRYPOINT of the module's Dockerfile. */
    static List<String> entrypoint(String module) throws IOException {
        for (String line : Files.readAllLines(REPOSITORY.resolve(module).resolve("Dockerfile"))) {
            if (line.startsWith("ENTRYPOINT")) {
                List<String> words = new ArrayList<>();
                Matcher quoted = QUOTED.matcher(line);
                while (quoted.find()) {
                    words.add(quoted.group(1));
                }
                return words;
            }
        }
        throw new IllegalStateException(module + "/Dockerfile has no exec-form ENTRYPOINT");
    }

    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits until the readiness endpoint answers 200. */
    ServiceProcess awaitReady() throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (status("/observe/health/ready") != 200) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("service did not become ready; see its target/*-process.log");
            }
            Thread.sleep(200);
        }
        return this;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Stops it as Kubernetes does: SIGTERM, then SIGKILL if it has not exited within 30 seconds. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
