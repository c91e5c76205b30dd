package dev.kaizen.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ./kaizen run starts the services on their own default ports, written in their defaults files. */
class LocalRunTest {
    @Test
    void theLocalRunStartsTheServicesOnTheirDefaultPorts() throws Exception {
        assertEquals(port("mcp-gateway", "server"), LocalRun.DEFAULT_PORTS.get("KAIZEN_MCP_PORT"));
        assertEquals(port("mcp-gateway", "admin"), LocalRun.DEFAULT_PORTS.get("KAIZEN_MCP_ADMIN_PORT"));
        assertEquals(port("knowledge-service", "server"), LocalRun.DEFAULT_PORTS.get("KAIZEN_GRPC_PORT"));
        assertEquals(port("knowledge-service", "admin"), LocalRun.DEFAULT_PORTS.get("KAIZEN_GRPC_ADMIN_PORT"));
    }

    private static String port(String service, String socket) throws Exception {
        Map<String, Object> defaults = new Yaml().load(Files.readString(
                Path.of("..", service, "src/main/resources", service + ".yaml")));
        return String.valueOf(((Map<?, ?>) defaults.get(socket)).get("port"));
    }
}
