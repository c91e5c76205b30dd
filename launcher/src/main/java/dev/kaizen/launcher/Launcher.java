package dev.kaizen.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.LogManager;

import dev.kaizen.identity.ApiTokens;

/** Entry point of the commands of {@code ./kaizen}: run, export, import, bench, soak and token. */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        String command = args.length == 0 ? "start" : args[0];
        try {
            switch (command) {
                case "start" -> LocalRun.fromEnvironment().start();
                case "stop" -> LocalRun.fromEnvironment().stop();
                case "export" -> {
                    List<String> rest = List.of(args).subList(1, args.length);
                    try (Transfer transfer = new Transfer(Transfer.target(), Transfer.token())) {
                        transfer.export(rest.contains("--namespace") ? rest.get(rest.indexOf("--namespace") + 1) : null,
                                rest.contains("--with-history"), System.out);
                    }
                }
                case "import" -> {
                    if (args.length < 2) {
                        throw new LocalRun.CannotStart("give the file to import: ./kaizen import knowledge.jsonl");
                    }
                    try (Transfer transfer = new Transfer(Transfer.target(), Transfer.token())) {
                        System.exit(transfer.importFile(Path.of(args[1])) == 0 ? 0 : 3);
                    }
                }
                case "bench" -> Benchmark.run(List.of(args).subList(1, args.length), Path.of("launcher/bench-workload"),
                        Path.of("launcher/target/bench"));
                case "token" -> token(List.of(args).subList(1, args.length));
                case "soak" -> Soak.run(List.of(args).subList(1, args.length), Path.of("launcher/bench-workload"),
                        Path.of("launcher/target/bench"));
                default -> {
                    System.err.println("usage: kaizen start | stop | export [--namespace N] | import FILE | bench [synthetic "
                            + "[--entries N] | debian | rules | footprint | near-duplicates] [--rankings FOLDER] | soak [minutes] | token PRINCIPAL SCOPE...");
                    System.exit(2);
                }
            }
        } catch (LocalRun.CannotStart e) {
            System.err.println("kaizen: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * {@code ./kaizen token PRINCIPAL SCOPE...}: a new random API token, and the entry that the
     * services' auth.tokens (AUTH_TOKENS) keep for it: only its hash.
     */
    private static void token(List<String> args) {
        if (args.size() < 2 || !args.getFirst().matches("[a-z0-9][a-z0-9._@-]{0,63}")) {
            throw new LocalRun.CannotStart("give the principal's name (lower case letters, digits and . _ @ -) and its "
                    + "scopes, e.g. ./kaizen token ci-bot kaizen:write:acme kaizen:read:global");
        }
        String token = ApiTokens.generate();
        System.out.println("Token for " + args.getFirst() + " (give it to the client; it is shown only now):");
        System.out.println("  " + token);
        System.out.println("Add this entry to AUTH_TOKENS of knowledge-service and mcp-gateway (one entry per line or comma):");
        System.out.println("  " + ApiTokens.entry(args.getFirst(), token, String.join(" ", args.subList(1, args.size()))));
    }

    private static void quietLogging() throws IOException {
        try (InputStream properties = Launcher.class.getResourceAsStream("/logging.properties")) {
            LogManager.getLogManager().readConfiguration(properties);
        }
    }

}
