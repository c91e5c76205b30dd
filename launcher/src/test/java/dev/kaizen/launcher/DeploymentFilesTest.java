package dev.kaizen.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kaizen.gateway.GatewayServer;
import dev.kaizen.knowledge.KnowledgeServer;
import dev.kaizen.testing.PostgresServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the deployment files true to the code: the rendered Kubernetes manifests, docker-compose.yml
 * and the Dockerfiles must use the ports the services listen on by default, probe paths the running
 * services answer, and only environment variables the services read (every key of their
 * own defaults file (knowledge-service.yaml, mcp-gateway.yaml), upper case with '.' as '_').
 */
class DeploymentFilesTest {
    private static final Path REPOSITORY = ServiceProcess.REPOSITORY;
    private static final List<String> SERVICES = List.of("knowledge-service", "mcp-gateway");
    private static final Map<String, Integer> ADMIN_PORTS = new HashMap<>();
    private static KnowledgeServer knowledge;
    private static GatewayServer gateway;

    @BeforeAll
    static void startServices() {
        PostgresServer postgres = PostgresServer.shared();
        knowledge = KnowledgeServer.start(Configs.knowledgeService(postgres.createDatabase("deployment"), postgres.user(),
                postgres.password(), 0, 0));
        gateway = GatewayServer.start(Configs.gateway("dns:///127.0.0.1:" + knowledge.grpcPort(), 0, 0));
        ADMIN_PORTS.put("knowledge-service", knowledge.adminPort());
        ADMIN_PORTS.put("mcp-gateway", gateway.adminPort());
    }

    @AfterAll
    static void stopServices() {
        gateway.stop();
        knowledge.stop();
    }

    @Test
    void kubernetesDeploymentsUseTheRealPortsProbePathsAndVariables() throws Exception {
        List<Map<String, Object>> manifests = kubernetesManifests();
        for (String service : SERVICES) {
            Map<String, Object> container = container(manifests, service);
            Map<String, Integer> ports = new HashMap<>();
            for (Map<String, Object> port : list(container, "ports")) {
                ports.put((String) port.get("name"), (Integer) port.get("containerPort"));
            }
            assertEquals(Set.copyOf(ports.values()), Set.of(defaultPort(service, "server.port"),
                    defaultPort(service, "admin.port")), service + " container ports");
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> httpGet = (Map<String, Object>) ((Map<String, Object>) container.get(probe)).get("httpGet");
                Object port = httpGet.get("port");
                int number = port instanceof Integer value ? value : ports.get((String) port);
                assertEquals(defaultPort(service, "admin.port"), number, service + " " + probe + " port");
                assertEquals(200, status(service, (String) httpGet.get("path")), service + " " + probe + " path");
            }
            for (Map<String, Object> variable : list(container, "env")) {
                assertReads(service, (String) variable.get("name"), "k8s Deployment");
            }
        }
        for (Map<String, Object> configMap : kind(manifests, "ConfigMap")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> data = (Map<String, Object>) configMap.get("data");
            for (String key : data.keySet()) {
                assertTrue(SERVICES.stream().anyMatch(service -> reads(service, key)),
                        "ConfigMap key " + key + " is read by neither service");
            }
        }
        for (Map<String, Object> svc : kind(manifests, "Service")) {
            String name = name(svc);
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) svc.get("spec");
            Map<String, Object> container = container(manifests, name);
            Set<Object> targets = new HashSet<>();
            for (Map<String, Object> port : list(container, "ports")) {
                targets.add(port.get("name"));
                targets.add(port.get("containerPort"));
            }
            for (Map<String, Object> port : list(spec, "ports")) {
                Object target = port.getOrDefault("targetPort", port.get("port"));
                assertTrue(targets.contains(target), name + " Service targets port " + target + " its pods do not open");
            }
        }
    }

    @Test
    void composeUsesTheRealPortsHealthPathsAndVariables() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(REPOSITORY.resolve("docker-compose.yml")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        for (String service : SERVICES) {
            Map<String, Object> definition = services.get(service);
            @SuppressWarnings("unchecked")
            Map<String, Object> environment = (Map<String, Object>) definition.get("environment");
            environment.keySet().forEach(variable -> assertReads(service, variable, "docker-compose.yml"));
            String healthcheck = String.join(" ", healthcheckTest(definition));
            Matcher target = Pattern.compile("/dev/tcp/127\\.0\\.0\\.1/(\\d+).*GET (\\S+) HTTP").matcher(healthcheck);
            assertTrue(target.find(), service + " healthcheck: " + healthcheck);
            assertEquals(defaultPort(service, "admin.port"), Integer.parseInt(target.group(1)), service + " healthcheck port");
            assertEquals(200, status(service, target.group(2)), service + " healthcheck path");
        }
        @SuppressWarnings("unchecked")
        List<String> published = (List<String>) services.get("mcp-gateway").get("ports");
        assertTrue(published.stream().allMatch(port -> port.endsWith(":" + defaultPort("mcp-gateway", "server.port"))),
                "the gateway publishes its MCP port: " + published);
        assertTrue(((Map<?, ?>) services.get("mcp-gateway").get("environment")).get("SERVICE_TARGET").toString()
                .endsWith(":" + defaultPort("knowledge-service", "server.port")), "SERVICE_TARGET uses the gRPC port");
    }

    @Test
    void dockerfilesCopyWhatTheBuildMakesAndExposeTheRealPorts() throws Exception {
        for (String service : SERVICES) {
            List<String> dockerfile = Files.readAllLines(REPOSITORY.resolve(service).resolve("Dockerfile"));
            Set<Integer> exposed = new TreeSet<>();
            for (String line : dockerfile) {
                Matcher copy = Pattern.compile("^COPY --from=build /build/(\\S+) ").matcher(line);
                if (copy.find()) {
                    Path built = REPOSITORY.resolve(copy.group(1));
                    assertTrue(Files.exists(built), service + "/Dockerfile copies " + built + ", which the build does not make");
                }
                if (line.startsWith("EXPOSE")) {
                    for (String port : line.substring("EXPOSE".length()).trim().split("\\s+")) {
                        exposed.add(Integer.parseInt(port));
                    }
                }
            }
            assertEquals(new TreeSet<>(Set.of(defaultPort(service, "server.port"), defaultPort(service, "admin.port"))),
                    exposed, service + " EXPOSE");
            assertTrue(Files.list(REPOSITORY.resolve(service).resolve("target/libs")).count() > 10, service + " libs");
            assertEquals(service + ".jar", ServiceProcess.entrypoint(service).getLast(), service + " ENTRYPOINT jar");
        }
    }

    /** The environment variable is a key of the service's own defaults file (knowledge-service.yaml, mcp-gateway.yaml). */
    private static void assertReads(String service, String variable, String where) {
        assertTrue(reads(service, variable), where + " gives " + service + " " + variable
                + ", which it does not read; it reads " + variables(service));
    }

    private static boolean reads(String service, String variable) {
        return variables(service).contains(variable);
    }

    /** Every key of the service's own defaults file (knowledge-service.yaml, mcp-gateway.yaml) as an environment variable name. */
    private static Set<String> variables(String service) {
        Set<String> names = new TreeSet<>();
        collect(applicationYaml(service), "", names);
        return names;
    }

    private static void collect(Config node, String prefix, Set<String> names) {
        if (node.isLeaf()) {
            names.add(prefix.toUpperCase(Locale.ROOT).replace('.', '_'));
            return;
        }
        node.asNodeList().orElse(List.of()).forEach(child -> collect(child, child.key().toString(), names));
    }

    private static int defaultPort(String service, String key) {
        return applicationYaml(service).get(key).asInt().orElseThrow();
    }

    private static Config applicationYaml(String service) {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.file(REPOSITORY.resolve(service).resolve("src/main/resources/" + service + ".yaml")))
                .build();
    }

    private static int status(String service, String path) {
        try {
            return ServiceProcess.HTTP.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + ADMIN_PORTS.get(service) + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " on " + service, e);
        }
    }

    /** `kubectl kustomize k8s/`, or the base's resource files when kubectl is not installed. */
    private static List<Map<String, Object>> kubernetesManifests() throws IOException, InterruptedException {
        String yaml;
        try {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", REPOSITORY.resolve("k8s").toString())
                    .redirectErrorStream(true).start();
            try (InputStream out = kubectl.getInputStream()) {
                yaml = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertEquals(0, kubectl.waitFor(), "kubectl kustomize k8s/ fails:\n" + yaml);
        } catch (IOException noKubectl) {
            StringBuilder files = new StringBuilder();
            Map<String, Object> kustomization = new Yaml().load(Files.readString(REPOSITORY.resolve("k8s/kustomization.yaml")));
            for (Object file : (List<?>) kustomization.get("resources")) {
                files.append(Files.readString(REPOSITORY.resolve("k8s").resolve(file.toString()))).append("\n---\n");
            }
            yaml = files.toString();
        }
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> manifest = (Map<String, Object>) document;
                documents.add(manifest);
            }
        }
        assertFalse(documents.isEmpty());
        return documents;
    }

    private static List<Map<String, Object>> kind(List<Map<String, Object>> manifests, String kind) {
        return manifests.stream().filter(manifest -> kind.equals(manifest.get("kind"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(List<Map<String, Object>> manifests, String deployment) {
        Map<String, Object> found = kind(manifests, "Deployment").stream()
                .filter(manifest -> deployment.equals(name(manifest))).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + deployment));
        Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) found.get("spec")).get("template");
        return list((Map<String, Object>) template.get("spec"), "containers").getFirst();
    }

    @SuppressWarnings("unchecked")
    private static String name(Map<String, Object> manifest) {
        return (String) ((Map<String, Object>) manifest.get("metadata")).get("name");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
        return (List<Map<String, Object>>) map.getOrDefault(key, List.of());
    }

    @SuppressWarnings("unchecked")
    private static List<String> healthcheckTest(Map<String, Object> definition) {
        return (List<String>) ((Map<String, Object>) definition.get("healthcheck")).get("test");
    }
}
