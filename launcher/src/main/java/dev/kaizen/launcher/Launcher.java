package dev.kaizen.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.LogManager;

/** Entry point of the commands of {@code ./kaizen}: run, export, import, bench and soak. */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        String command = args.length == 0 ? "run" : args[0];
        try {
            switch (command) {
                case "run" -> LocalRun.fromEnvironment().run();
                case "export" -> {
                    List<String> rest = List.of(args).subList(1, args.length);
                    try (Transfer transfer = new Transfer(Transfer.target())) {
                        transfer.export(rest.contains("--namespace") ? rest.get(rest.indexOf("--namespace") + 1) : null,
                                System.out);
                    }
                }
                case "import" -> {
                    if (args.length < 2) {
                        throw new LocalRun.CannotStart("give the file to import: ./kaizen import knowledge.jsonl");
                    }
                    try (Transfer transfer = new Transfer(Transfer.target())) {
                        System.exit(transfer.importFile(Path.of(args[1])) == 0 ? 0 : 3);
                    }
                }
                case "bench" -> Benchmark.run(List.of(args).subList(1, args.length), Path.of("launcher/bench-workload"),
                        Path.of("launcher/target/bench"));
                case "soak" -> Soak.run(List.of(args).subList(1, args.length), Path.of("launcher/bench-workload"),
                        Path.of("launcher/target/bench"));
                default -> {
                    System.err.println("usage: kaizen run | export [--namespace N] | import FILE | bench [synthetic "
                            + "[--entries N] | debian] | soak [minutes]");
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
