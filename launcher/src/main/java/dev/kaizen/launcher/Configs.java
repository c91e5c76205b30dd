package dev.kaizen.launcher;

import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Configuration of the services started in this process. Built from explicit values only: both
 * services ship an application.yaml at the same classpath location, and their defaults in code
 * cover every key left out here.
 */
final class Configs {
    private Configs() {
    }

    static Config knowledgeService(String jdbcUrl, String user, String password, int grpcPort, int adminPort) {
        return of(Map.of(
                "server.host", "127.0.0.1",
                "server.port", String.valueOf(grpcPort),
                "admin.port", String.valueOf(adminPort),
                "db.url", jdbcUrl,
                "db.user", user,
                "db.password", password));
    }

    static Config gateway(String serviceTarget, int port, int adminPort) {
        return of(Map.of(
                "server.host", "127.0.0.1",
                "server.port", String.valueOf(port),
                "admin.port", String.valueOf(adminPort),
                "service.target", serviceTarget));
    }

    static Config of(Map<String, String> values) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(values))
                .build();
    }
}
