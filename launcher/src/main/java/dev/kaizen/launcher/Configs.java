package dev.kaizen.launcher;

import java.util.Map;

import dev.kaizen.gateway.GatewayServer;
import dev.kaizen.knowledge.KnowledgeServer;
import io.helidon.config.Config;

/** Configuration of the services started in this process: their own defaults, with these values first. */
final class Configs {
    private Configs() {
    }

    static Config knowledgeService(String jdbcUrl, String user, String password, int grpcPort, int adminPort) {
        return KnowledgeServer.config(Map.of(
                "server.host", "127.0.0.1",
                "server.port", String.valueOf(grpcPort),
                "admin.port", String.valueOf(adminPort),
                "db.url", jdbcUrl,
                "db.user", user,
                "db.password", password));
    }

    static Config gateway(String serviceTarget, int port, int adminPort) {
        return GatewayServer.config(Map.of(
                "server.host", "127.0.0.1",
                "server.port", String.valueOf(port),
                "admin.port", String.valueOf(adminPort),
                "service.target", serviceTarget));
    }
}
