package dev.kaizen.knowledge;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/** Starts knowledge-service from application.yaml, overridden by environment variables. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        KnowledgeServer server = KnowledgeServer.start(Config.create());
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "knowledge-service-shutdown"));
    }
}
