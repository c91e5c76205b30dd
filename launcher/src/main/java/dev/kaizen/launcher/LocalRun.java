package dev.kaizen.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.Stack;

/**
 * {@code ./kaizen run}: a durable embedded PostgreSQL 17 whose data stays in the data folder
 * between runs, then knowledge-service and mcp-gateway, each in its own process from its packaged
 * jar exactly as deployed ({@link #start}), until Ctrl-C stops them in reverse order ({@link #stop}). Settings come from KAIZEN_*
 * environment variables; problems a person can fix are one sentence ({@link CannotStart}).
 */
public final class LocalRun {
    /**
     * The ports of ./kaizen run unless KAIZEN_*_PORT says otherwise: the services' own defaults (their
     * defaults files; LocalRunTest checks they agree) and PostgreSQL's beside any installed one.
     */
    public static final Map<String, String> DEFAULT_PORTS = Map.of(
            "KAIZEN_MCP_PORT", "8080", "KAIZEN_MCP_ADMIN_PORT", "8081", "KAIZEN_GRPC_PORT", "9090",
            "KAIZEN_GRPC_ADMIN_PORT", "9091", "KAIZEN_POSTGRES_PORT", "54329");

    static final String DATABASE = "kaizen";
    /**
     * While a run is up, the process ids of its knowledge-service, mcp-gateway and PostgreSQL, in a
     * file beside the data folder named after it ({@code postgres.pids}), so that runs on different
     * data folders in one parent folder keep theirs apart.
     */
    static Path pidsFile(Path data) {
        return data.resolveSibling(data.getFileName() + ".pids");
    }

    /** The processes of a run, in the order its {@link #pidsFile} names them. */
    enum Role { KNOWLEDGE_SERVICE, MCP_GATEWAY, POSTGRESQL }

    /** The live processes of the run on {@code data}, by role, as its pids file names them (none when no run is up). */
    static Map<Role, ProcessHandle> runningProcesses(Path data) throws IOException {
        Map<Role, ProcessHandle> processes = new java.util.EnumMap<>(Role.class);
        Path pids = pidsFile(data);
        if (Files.isRegularFile(pids)) {
            String[] ids = Files.readString(pids).strip().split("\\s+");
            for (Role role : Role.values()) {
                if (role.ordinal() < ids.length) {
                    ProcessHandle.of(Long.parseLong(ids[role.ordinal()])).ifPresent(process -> processes.put(role, process));
                }
            }
        }
        return processes;
    }
    /**
     * PostgreSQL sized for a laptop beside an IDE (fsync, synchronous_commit and full_page_writes stay
     * on): what the operating system caches serves reads beyond the shared buffers.
     */
    static final Map<String, String> POSTGRES_SETTINGS = Map.of("shared_buffers", "32MB", "max_connections", "30");
    /**
     * The services' JVMs sized for what they hold on a laptop (the images size theirs from the
     * container's memory instead): the serial collector, which suits heaps this small; heaps capped
     * a few times above what 60,000 entries keep live (about 21 MiB in knowledge-service, vector index
     * merges included, and a few MiB in the gateway), since the serial collector lets the heap grow
     * to its cap before it collects the old generation; a small young generation; a heap that gives
     * back at once, at each full collection, what it does not use; and a class-data archive per
     * service (made by the first run, mapped by the next, which start faster). The gateway, whose
     * work is moving JSON to protobuf and back, compiles with C1 alone: a third of the code cache
     * and none of C2's working memory. These come after the images' own flags (the Dockerfile's
     * ENTRYPOINT, which also has the JVM hand back the native memory the C library would keep).
     */
    static final String KNOWLEDGE_SERVICE_JVM = "-XX:+UseSerialGC -Xms32m -Xmx96m -Xmn12m -XX:MinHeapFreeRatio=15 "
            + "-XX:MaxHeapFreeRatio=40 -XX:-ShrinkHeapInSteps -XX:ReservedCodeCacheSize=64m";
    static final String GATEWAY_JVM = "-XX:+UseSerialGC -Xms16m -Xmx48m -Xmn6m -XX:MinHeapFreeRatio=15 "
            + "-XX:MaxHeapFreeRatio=40 -XX:-ShrinkHeapInSteps -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m";
    /**
     * knowledge-service's settings for a laptop: six PostgreSQL connections (each a PostgreSQL
     * process of about 10 MiB once it has served searches; six serve a few agents, and more calls
     * wait their turn), and the model and vector index loaded a few seconds after the service is
     * ready, so that they do not take the cores while the gateway starts (search is by words until
     * then, as while the index loads).
     */
    static final Map<String, String> KNOWLEDGE_SERVICE_SETTINGS = Map.of("DB_POOL_SIZE", "6",
            "SEMANTIC_START_DELAY", "PT5S");

    private final Path data;
    private final Path logs;
    private final Map<String, Integer> ports;

    private LocalRun(Path data, Map<String, Integer> ports) {
        this.data = data.toAbsolutePath().normalize();
        this.logs = this.data.resolveSibling("logs");
        this.ports = ports;
    }

    static LocalRun fromEnvironment() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Map.Entry<String, String> port : DEFAULT_PORTS.entrySet()) {
            String value = env(port.getKey(), port.getValue());
            if (!value.matches("[0-9]{1,5}")) {
                throw new CannotStart(port.getKey() + "=" + value + " is not a port number: give 1-65535.");
            }
            ports.put(port.getKey(), Integer.parseInt(value));
        }
        return new LocalRun(Path.of(env("KAIZEN_DATA_DIR", System.getProperty("user.home") + "/.kaizen/postgres")), ports);
    }

    /**
     * Starts PostgreSQL and both services, prints where they listen, notes their process ids in
     * {@link #pidsFile} beside the data folder, and returns: the processes run on without this JVM, and
     * {@code ./kaizen run} (a shell, a few MiB) waits on them until Ctrl-C, then calls {@link #stop}.
     */
    void start() throws IOException {
        checkPorts();
        checkDataFolder();
        System.out.println("Starting Kaizen: PostgreSQL 17 with its data in " + data + ", then knowledge-service and "
                + "mcp-gateway ...");
        PostgresServer postgres = startPostgres();
        Stack stack;
        try {
            stack = Stack.builder("kaizen")
                    .postgres(postgres, DATABASE)
                    .logs(logs)
                    .knowledgeService(knowledgeServiceEnv())
                    .gateway(Map.of("SERVER_PORT", port("KAIZEN_MCP_PORT"), "ADMIN_PORT", port("KAIZEN_MCP_ADMIN_PORT"),
                            "JAVA_TOOL_OPTIONS", GATEWAY_JVM + classData("mcp-gateway"), "MALLOC_ARENA_MAX", "2"))
                    .start();
        } catch (RuntimeException e) {
            postgres.close();
            throw new CannotStart("a service did not start (" + e.getMessage().lines().findFirst().orElse("") + "); its log "
                    + "is in " + logs + ".");
        }
        // in Role order
        Files.writeString(pidsFile(data), stack.knowledgeService().process().pid() + " "
                + stack.gateway().process().pid() + " " + postmaster().orElseThrow().pid() + "\n");
        System.out.printf("""

                Kaizen is running. Ctrl-C stops it.
                  MCP (Streamable HTTP):   %s
                  knowledge-service gRPC:  %s
                  health and metrics:      http://127.0.0.1:%d/observe/health, http://127.0.0.1:%d/observe/metrics
                                           (gateway; knowledge-service: port %d)
                  PostgreSQL:              %s
                  data:                    %s (durable: fsync, synchronous_commit and full_page_writes on)
                  logs:                    %s
                  semantic recall:         %s
                  %s
                """, stack.mcpUrl(), stack.grpcTarget(), stack.gateway().adminPort(), stack.gateway().adminPort(),
                stack.knowledgeService().adminPort(), stack.databaseUrl(), data, logs, semanticRecall(), authentication());
    }

    /**
     * Stops what {@link #start} started, in reverse order: the gateway and knowledge-service
     * (SIGTERM: calls in flight finish), then PostgreSQL (SIGTERM: a smart shutdown, with a
     * checkpoint).
     */
    void stop() throws IOException {
        Path pids = pidsFile(data);
        if (!Files.isRegularFile(pids)) {
            return;
        }
        System.out.println("Stopping Kaizen ...");
        Map<Role, ProcessHandle> processes = runningProcesses(data);
        // the gateway first, then knowledge-service, then PostgreSQL: each after the one before has gone
        for (Role role : List.of(Role.MCP_GATEWAY, Role.KNOWLEDGE_SERVICE, Role.POSTGRESQL)) {
            ProcessHandle process = processes.get(role);
            if (process != null) {
                process.destroy();
                try {
                    process.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    process.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        Files.deleteIfExists(pids);
        System.out.println("Stopped.");
    }

    /** The PostgreSQL server running on the data folder, from its pid file. */
    private Optional<ProcessHandle> postmaster() {
        try {
            Path lock = data.resolve("postmaster.pid");
            return Files.isRegularFile(lock) ? ProcessHandle.of(Long.parseLong(Files.readAllLines(lock).getFirst().strip()))
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** knowledge-service's environment: its ports, JVM and {@link #KNOWLEDGE_SERVICE_SETTINGS}, unless the user set them. */
    private Map<String, String> knowledgeServiceEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        KNOWLEDGE_SERVICE_SETTINGS.forEach((name, value) -> env.put(name, env(name, value)));
        env.put("SERVER_PORT", port("KAIZEN_GRPC_PORT"));
        env.put("ADMIN_PORT", port("KAIZEN_GRPC_ADMIN_PORT"));
        env.put("JAVA_TOOL_OPTIONS", KNOWLEDGE_SERVICE_JVM + classData("knowledge-service"));
        env.put("MALLOC_ARENA_MAX", "2");
        return env;
    }

    /** The JVM flags of a class-data archive for {@code service}, kept beside the data folder. */
    private String classData(String service) {
        Path archive = data.resolveSibling("class-data").resolve(service + ".jsa");
        try {
            Files.createDirectories(archive.getParent());
        } catch (IOException e) {
            return "";
        }
        return " -XX:SharedArchiveFile=" + archive + " -XX:+AutoCreateSharedArchive -Xlog:cds=off -Xlog:cds+dynamic=off";
    }

    /** Which model knowledge-service searches by meaning with (SEMANTIC_MODEL), or that it does not. */
    private static String semanticRecall() {
        String model = env("SEMANTIC_MODEL", "bge-small-en-v1.5");
        return model.equals("none") ? "off (SEMANTIC_MODEL=none): search is by words alone"
                : "on (" + model + ", in knowledge-service; new entries are embedded in the background)";
    }

    /** Whether the services check who calls: they read AUTH_TOKENS and AUTH_OAUTH_ISSUER from this environment. */
    private static String authentication() {
        boolean tokens = !env("AUTH_TOKENS", "").isBlank();
        boolean oauth = !env("AUTH_OAUTH_ISSUER", "").isBlank();
        if (!tokens && !oauth) {
            return "authentication:          off: anyone who reaches these ports may read and change everything (fine on\n"
                    + "                           this machine); to turn it on, set AUTH_TOKENS (./kaizen token) or\n"
                    + "                           AUTH_OAUTH_ISSUER and AUTH_OAUTH_AUDIENCE (README: Connect with OAuth)";
        }
        return "authentication:          on (" + (oauth ? "OAuth tokens from " + env("AUTH_OAUTH_ISSUER", "") : "")
                + (oauth && tokens ? " and " : "") + (tokens ? "API tokens of AUTH_TOKENS" : "") + ")";
    }

    private PostgresServer startPostgres() {
        stopLeftoverPostgres();
        try {
            return PostgresServer.durable(data, ports.get("KAIZEN_POSTGRES_PORT"), logs.resolve("postgres.log"),
                    POSTGRES_SETTINGS);
        } catch (IOException | RuntimeException e) {
            throw new CannotStart("PostgreSQL did not start on port " + ports.get("KAIZEN_POSTGRES_PORT") + " with data in "
                    + data + "; its log is " + logs.resolve("postgres.log") + ".");
        }
    }

    /**
     * A run that was killed (not stopped with Ctrl-C) leaves its PostgreSQL running on the data
     * folder; it is stopped here, so the data folder can be opened again.
     */
    private void stopLeftoverPostgres() {
        postmaster().filter(process -> process.info().command().map(command -> command.endsWith("postgres")).orElse(false))
                .ifPresent(postmaster -> {
                    System.out.println("A PostgreSQL of an earlier run still uses " + data + " (pid " + postmaster.pid()
                            + "); stopping it first.");
                    postmaster.destroy();
                    postmaster.onExit().join();
                });
    }

    private void checkPorts() {
        Map<String, String> purposes = Map.of(
                "KAIZEN_MCP_PORT", "MCP", "KAIZEN_MCP_ADMIN_PORT", "the gateway's health and metrics",
                "KAIZEN_GRPC_PORT", "knowledge-service's gRPC API", "KAIZEN_GRPC_ADMIN_PORT",
                "knowledge-service's health and metrics", "KAIZEN_POSTGRES_PORT", "PostgreSQL");
        for (String variable : List.of("KAIZEN_MCP_PORT", "KAIZEN_MCP_ADMIN_PORT", "KAIZEN_GRPC_PORT",
                "KAIZEN_GRPC_ADMIN_PORT", "KAIZEN_POSTGRES_PORT")) {
            int port = ports.get(variable);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                throw new CannotStart("port " + port + " (" + purposes.get(variable) + ") is in use: stop what uses it, "
                        + "or choose another port with " + variable + "=<port>.");
            }
        }
    }

    private void checkDataFolder() {
        try {
            Files.createDirectories(data);
            Files.createDirectories(logs);
            if (!Files.isWritable(data) || !Files.getOwner(data).getName().equals(System.getProperty("user.name"))) {
                throw new CannotStart("the data folder " + data + " belongs to another user or cannot be written: "
                        + "choose a folder of your own with KAIZEN_DATA_DIR=<folder>.");
            }
        } catch (IOException e) {
            throw new CannotStart("the data folder " + data + " cannot be created (" + e.getClass().getSimpleName()
                    .replace("Exception", "").replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(java.util.Locale.ROOT)
                    + "): choose a folder you can write with KAIZEN_DATA_DIR=<folder>.");
        }
    }

    private String port(String variable) {
        return String.valueOf(ports.get(variable));
    }

    private static String env(String name, String otherwise) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? otherwise : value.strip();
    }

    /** Something a person can fix; the message is one sentence that says what to do. */
    static final class CannotStart extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CannotStart(String message) {
            super(message, null, false, false);
        }
    }
}
