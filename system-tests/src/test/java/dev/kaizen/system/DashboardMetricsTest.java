package dev.kaizen.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard and the Prometheus alerts under k8s/optional/observability/ use only metric
 * names the running services expose at /observe/metrics, so they cannot drift apart: both services
 * run as deployed (with semantic recall and a read replica on, so that their metrics exist too), see
 * every kind of call, and their exposition is compared with every name in the files' PromQL.
 */
class DashboardMetricsTest {
    private static final Path FOLDER = ServiceProcess.REPOSITORY.resolve("k8s/optional/observability");
    /** A metric name in PromQL: a word of the kaizen_ family or the JVM's, where a name may stand. */
    private static final Pattern NAME = Pattern.compile("\\b((?:kaizen|jvm|process|memory|thread|gc|cpu|classloader)_[a-zA-Z0-9_]+)\\b");
    private static final Pattern EXPOSED = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{|\\s)");
    private static Stack stack;
    private static Set<String> exposed;

    @BeforeAll
    static void start() throws Exception {
        String database = "dashboard_metrics_" + ProcessHandle.current().pid();
        String url = PostgresServer.shared().ensureDatabase(database);
        stack = Stack.builder("dashboard-metrics").postgres(PostgresServer.shared(), database).knowledgeService(Map.of(
                // semantic recall on, with the smaller model: its backlog is on the dashboard
                "SEMANTIC_MODEL", "all-minilm-l6-v2",
                // a read replica: the primary itself (not in recovery, so always caught up), for the replica's metrics
                "DB_READ_URL", url)).start();
        McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
        String namespace = Mcp.unique("dashboard");
        Mcp.ok(mcp, "create_namespace", Map.of("name", namespace, "description", "Dashboard"));
        Mcp.ok(mcp, "write_knowledge", Map.of("scope", namespace + ":default", "content", "Dashboards show rates.", "context", "dash"));
        Mcp.ok(mcp, "get_task_context", Map.of("queries", List.of("rates"), "scope", namespace + ":default"));
        Mcp.call(mcp, "get_knowledge", Map.of("ids", List.of("99999999")));
        exposed = new TreeSet<>();
        for (ServiceProcess process : List.of(stack.knowledgeService(), stack.gateway())) {
            String text = metrics(process);
            // kept for whoever edits the dashboard: what the services expose
            Files.writeString(ServiceProcess.REPOSITORY.resolve("system-tests/target/metrics-" + process.module() + ".txt"), text);
            Matcher name = EXPOSED.matcher(text);
            while (name.find()) {
                exposed.add(name.group(1));
            }
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyMetricTheDashboardUsesIsExposed() throws IOException {
        checkNames("grafana-dashboard.json", Files.readString(FOLDER.resolve("grafana-dashboard.json")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricTheAlertsUseIsExposed() throws IOException {
        StringBuilder expressions = new StringBuilder();
        for (Object document : new Yaml().loadAll(Files.readString(FOLDER.resolve("prometheusrule.yaml")))) {
            Map<String, Object> rule = (Map<String, Object>) document;
            assertEquals("PrometheusRule", rule.get("kind"));
            for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
                for (Map<String, Object> alert : (List<Map<String, Object>>) group.get("rules")) {
                    expressions.append(alert.get("expr")).append('\n');
                }
            }
        }
        checkNames("prometheusrule.yaml", expressions.toString());
        for (String alert : List.of("KaizenErrorRatioHigh", "KaizenLatencyP95High", "KaizenNotReady", "KaizenDatabasePoolSaturated",
                "KaizenShedding", "KaizenEmbeddingBacklog")) {
            assertTrue(Files.readString(FOLDER.resolve("prometheusrule.yaml")).contains("alert: " + alert), alert);
        }
    }

    @Test
    void theServiceMonitorScrapesBothAdminPorts() throws IOException {
        String monitor = Files.readString(FOLDER.resolve("servicemonitor.yaml"));
        assertTrue(monitor.contains("path: /observe/metrics"), monitor);
        for (String service : List.of("knowledge-service", "mcp-gateway")) {
            assertTrue(monitor.contains(service), service);
        }
    }

    private static void checkNames(String file, String text) {
        Set<String> used = new TreeSet<>();
        Matcher name = NAME.matcher(text);
        while (name.find()) {
            used.add(name.group(1));
        }
        assertFalse(used.isEmpty(), file + " uses no metric");
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exposed);
        assertTrue(missing.isEmpty(), file + " uses metrics no service exposes: " + missing + "\nexposed: " + exposed);
    }

    private static String metrics(ServiceProcess process) throws Exception {
        HttpResponse<String> answer = Mcp.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + process.adminPort() + "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        return answer.body();
    }
}
