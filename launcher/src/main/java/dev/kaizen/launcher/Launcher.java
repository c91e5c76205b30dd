package dev.kaizen.launcher;

import java.nio.file.Path;

import io.helidon.logging.common.LogConfig;

/** Entry point of `./kaizen run` and `./kaizen bench`. */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        LogConfig.configureRuntime();
        String command = args.length == 0 ? "run" : args[0];
        switch (command) {
            case "run" -> LocalStack.run(Path.of(env("KAIZEN_DATA_DIR",
                            System.getProperty("user.home") + "/.kaizen/postgres")),
                    Integer.parseInt(env("KAIZEN_POSTGRES_PORT", "54329")),
                    Integer.parseInt(env("KAIZEN_GRPC_PORT", "9090")),
                    Integer.parseInt(env("KAIZEN_GRPC_ADMIN_PORT", "9091")),
                    Integer.parseInt(env("KAIZEN_MCP_PORT", "8080")),
                    Integer.parseInt(env("KAIZEN_MCP_ADMIN_PORT", "8081")));
            case "bench" -> Benchmark.run(Path.of(arg(args, 1, "launcher/bench-workload")),
                    Path.of(arg(args, 2, "launcher/target/bench")));
            default -> {
                System.err.println("usage: Launcher run | bench [workload-dir] [work-dir]");
                System.exit(2);
            }
        }
    }

    private static String env(String name, String otherwise) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? otherwise : value;
    }

    private static String arg(String[] args, int index, String otherwise) {
        return args.length > index ? args[index] : otherwise;
    }
}
