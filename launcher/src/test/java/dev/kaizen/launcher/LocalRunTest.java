package dev.kaizen.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ./kaizen run starts the services on their own default ports, written in their defaults files, and
 * finds its processes again by role.
 */
class LocalRunTest {
    @Test
    void theLocalRunStartsTheServicesOnTheirDefaultPorts() throws Exception {
        assertEquals(port("mcp-gateway", "server"), LocalRun.DEFAULT_PORTS.get("KAIZEN_MCP_PORT"));
        assertEquals(port("mcp-gateway", "admin"), LocalRun.DEFAULT_PORTS.get("KAIZEN_MCP_ADMIN_PORT"));
        assertEquals(port("knowledge-service", "server"), LocalRun.DEFAULT_PORTS.get("KAIZEN_GRPC_PORT"));
        assertEquals(port("knowledge-service", "admin"), LocalRun.DEFAULT_PORTS.get("KAIZEN_GRPC_ADMIN_PORT"));
    }

    @Test
    void aProcessOfTheRunThatIsGoneLeavesTheOthersTheirRoles(@org.junit.jupiter.api.io.TempDir Path folder) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long self = ProcessHandle.current().pid();
        Path data = folder.resolve("postgres");
        Files.writeString(LocalRun.pidsFile(data), self + " " + gone.pid() + " " + self + "\n");

        Map<LocalRun.Role, ProcessHandle> running = LocalRun.runningProcesses(data);

        assertEquals(Map.of(LocalRun.Role.KNOWLEDGE_SERVICE, ProcessHandle.current(), LocalRun.Role.POSTGRESQL,
                ProcessHandle.current()), running);
        assertTrue(LocalRun.runningProcesses(folder.resolve("other")).isEmpty(), "no run on a data folder without a pids file");
    }

    private static String port(String service, String socket) throws Exception {
        Map<String, Object> defaults = new Yaml().load(Files.readString(
                Path.of("..", service, "src/main/resources", service + ".yaml")));
        return String.valueOf(((Map<?, ?>) defaults.get(socket)).get("port"));
    }
}
