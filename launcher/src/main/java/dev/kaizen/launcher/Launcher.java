package dev.kaizen.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.LogManager;

/** Entry point of the commands of {@code ./kaizen}: run and bench. */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        String command = args.length == 0 ? "run" : args[0];
        try {
            switch (command) {
                case "run" -> LocalRun.fromEnvironment().run();
                case "bench" -> Benchmark.run(List.of(args).subList(1, args.length), Path.of("launcher/bench-workload"),
                        Path.of("launcher/target/bench"));
                default -> {
                    System.err.println("usage: kaizen run | bench [synthetic [--entries N] | debian]");
                    System.exit(2);
                }
            }
        } catch (LocalRun.CannotStart e) {
            System.err.println("kaizen: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void quietLogging() throws IOException {
        try (InputStream properties = Launcher.class.getResourceAsStream("/logging.properties")) {
            LogManager.getLogManager().readConfiguration(properties);
        }
    }

}
