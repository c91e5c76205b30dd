package dev.kaizen.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Kaizen service run the way its container runs it: its packaged jar (the module's
 * {@code target/<module>.jar} with {@code target/libs}) in a JVM of its own, with the JVM flags of
 * the Dockerfile's ENTRYPOINT, configured by environment variables only. Ports not given are free
 * loopback ports. Used by {@code ./kaizen run}, the benchmark and the end-to-end tests.
 */
public final class ServiceProcess implements AutoCloseable {
    public static final String KNOWLEDGE_SERVICE = "knowledge-service";
    public static final String MCP_GATEWAY = "mcp-gateway";
    /** The repository's root: the working directory or one above it. */
    public static final Path REPOSITORY = Stream.iterate(Path.of("").toAbsolutePath(), dir -> dir != null, Path::getParent)
            .filter(dir -> Files.isRegularFile(dir.resolve(KNOWLEDGE_SERVICE).resolve("pom.xml"))
                    && Files.isRegularFile(dir.resolve("Dockerfile")))
            .findFirst().orElseThrow(() -> new IllegalStateException("run this from the Kaizen repository"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private final String module;
    private final Map<String, String> env;
    private final List<String> arguments;
    private final Path log;
    private final Process process;
    private final int port;
    private final int adminPort;

    private ServiceProcess(String module, Map<String, String> env, List<String> arguments, Path log) throws IOException {
        this.module = module;
        this.env = env;
        this.arguments = arguments;
        this.log = log;
        this.port = Integer.parseInt(env.get("SERVER_PORT"));
        this.adminPort = Integer.parseInt(env.get("ADMIN_PORT"));
        Path jar = REPOSITORY.resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is not built: build it with 'mvn package' (./kaizen does it)");
        }
        List<String> command = new ArrayList<>(jvm());
        command.add(jar.toString());
        command.addAll(arguments);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(jar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        this.process = builder.start();
    }

    /**
     * Starts {@code module} with {@code env}; SERVER_HOST defaults to 127.0.0.1 and SERVER_PORT and
     * ADMIN_PORT to free ports. Its output goes to {@code log}.
     */
    public static ServiceProcess start(String module, Map<String, String> env, Path log, String... arguments) {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("SERVER_HOST", "127.0.0.1");
        all.computeIfAbsent("SERVER_PORT", key -> String.valueOf(freePort()));
        all.computeIfAbsent("ADMIN_PORT", key -> String.valueOf(freePort()));
        try {
            return new ServiceProcess(module, Map.copyOf(all), List.of(arguments), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + module, e);
        }
    }

    /** Starts {@code module} with its output in its target folder. */
    public static ServiceProcess start(String module, Map<String, String> env) {
        return start(module, env, REPOSITORY.resolve(module).resolve("target").resolve("process-logs")
                .resolve(module + "-" + System.nanoTime() + ".log"));
    }

    /**
     * The java command and flags of the ENTRYPOINT of the Dockerfile, up to {@code -jar}, run with this
     * JVM's java. Flags this JVM does not know (older than the image's) are left out.
     */
    public static List<String> jvm() {
        List<String> words = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(REPOSITORY.resolve("Dockerfile"))) {
                if (line.startsWith("ENTRYPOINT")) {
                    Matcher quoted = QUOTED.matcher(line);
                    while (quoted.find()) {
                        words.add(quoted.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int jar = words.indexOf("-jar");
        if (jar < 1) {
            throw new IllegalStateException("the Dockerfile has no exec-form ENTRYPOINT with -jar");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String flag : words.subList(1, jar + 1)) {
            if ((!flag.startsWith("--sun-misc-unsafe-memory-access") || Runtime.version().feature() >= 23)
                    && (!flag.startsWith("-XX:TrimNativeHeapInterval") || Runtime.version().feature() >= 22)) {
                command.add(flag);
            }
        }
        return command;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String module() {
        return module;
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return adminPort;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** The status of a GET on the admin port, or -1 when nothing answers. */
    public int status(String path) {
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

    /** The setting {@code name} of this process's environment, or {@code otherwise} when it has none. */
    public String env(String name, String otherwise) {
        return env.getOrDefault(name, System.getenv().getOrDefault(name, otherwise));
    }

    /**
     * The value of the Prometheus metric {@code name} (the sum over its series) at /observe/metrics,
     * or -1 when the service does not expose it.
     */
    public double metric(String name) {
        try {
            String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/observe/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            boolean found = false;
            for (String line : text.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    found = true;
                }
            }
            return found ? sum : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits until readiness answers 200; fails with the end of the log when the process exits or a minute passes. */
    public ServiceProcess awaitReady() {
        Await.until(module + " is ready", Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(module + " exited with status " + process.exitValue() + "; the end of "
                        + log + ":\n" + tail(20));
            }
            return status("/observe/health/ready") == 200;
        }, () -> "the end of " + log + ":\n" + tail(20));
        return this;
    }

    /** The last lines of the log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The same service started again, with the same settings and ports. */
    public ServiceProcess restart() {
        close();
        try {
            return new ServiceProcess(module, env, arguments, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart " + module, e);
        }
    }

    /** Kills the process at once (SIGKILL), as a crash or the OOM killer would. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** Stops it as Kubernetes does: SIGTERM, then SIGKILL if it has not exited within 30 seconds. */
    @Override
    public void close() {
        process.destroy();
        if (!waitFor(Duration.ofSeconds(30))) {
            kill();
        }
    }

    private boolean waitFor(Duration duration) {
        try {
            return process.waitFor(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return module + " on port " + port + " (admin " + adminPort + ")";
    }
}
