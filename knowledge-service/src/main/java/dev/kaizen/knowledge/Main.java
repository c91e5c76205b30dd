package dev.kaizen.knowledge;

import java.util.Map;

import io.helidon.logging.common.LogConfig;

/** Starts knowledge-service from knowledge-service.yaml, overridden by environment variables. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Server server = Server.start(Server.config(Map.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "knowledge-service-shutdown"));
    }
}
