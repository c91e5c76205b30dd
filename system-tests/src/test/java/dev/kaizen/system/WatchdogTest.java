package dev.kaizen.system;

import java.time.Duration;
import java.util.Map;

import dev.kaizen.stack.Await;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import dev.kaizen.stack.TcpProxy;
import io.modelcontextprotocol.client.McpSyncClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection from the gateway to knowledge-service that stops carrying bytes while the service
 * is fine (as Helidon 4.5.0's HPACK loop left it): after a few calls run out of time, the gateway
 * replaces the connection, and calls answer again without a restart.
 */
class WatchdogTest {

    @Test
    void aWedgedConnectionIsReplacedAfterAFewTimeouts() throws Exception {
        Stack stack = Stack.shared();
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", stack.knowledgeService().port())) {
            ServiceProcess gateway = stack.startGateway(Map.of("SERVICE_TARGET", "dns:///127.0.0.1:" + proxy.port(),
                    "SERVICE_TIMEOUT", "PT1S"));
            try {
                McpSyncClient mcp = Mcp.client(gateway, Map.of());
                String ns = Mcp.unique("wedge");
                Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Wedged connection"));

                proxy.freeze();
                int timeouts = 0;
                for (int call = 0; call < 20 && Mcp.call(mcp, "list_config", Map.of()).isError(); call++) {
                    timeouts++;
                }
                System.out.println("WatchdogTest: calls answered again after " + timeouts + " timed out");
                assertTrue(timeouts >= 1 && timeouts <= 8, "calls answer again after " + timeouts + " timeouts");
                Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content", "After the wedge.",
                        "context", "watchdog"));
                Await.until("the gateway logs why it replaced the connection", Duration.ofSeconds(5),
                        () -> gateway.tail(200).contains("the old connection is replaced"));
                assertEquals(200, Mcp.get("http://127.0.0.1:" + gateway.adminPort() + "/observe/health/ready"));
                mcp.closeGracefully();
            } finally {
                gateway.close();
            }
        }
    }
}
