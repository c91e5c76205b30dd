package dev.kaizen.system;

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

import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
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

    @BeforeAll
    static void startServices() {
        Stack stack = Stack.shared();
        ADMIN_PORTS.put(ServiceProcess.KNOWLEDGE_SERVICE, stack.knowledgeService().adminPort());
        ADMIN_PORTS.put(ServiceProcess.MCP_GATEWAY, stack.gateway().adminPort());
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
    void theDockerfileBuildsEachServiceFromWhatTheBuildMakesAndExposesTheRealPorts() throws Exception {
        List<String> dockerfile = Files.readAllLines(REPOSITORY.resolve("Dockerfile"));
        for (String service : SERVICES) {
            List<String> stage = stage(dockerfile, service);
            Set<Integer> exposed = new TreeSet<>();
            Set<String> copied = new TreeSet<>();
            for (String line : stage) {
                Matcher copy = Pattern.compile("^COPY --from=build-" + service + " /build/(\\S+) (\\S+)$").matcher(line);
                if (copy.find()) {
                    Path built = REPOSITORY.resolve(copy.group(1));
                    assertTrue(Files.exists(built), service + " copies " + built + ", which the build does not make");
                    copied.add(copy.group(2));
                }
                if (line.startsWith("EXPOSE")) {
                    for (String port : line.substring("EXPOSE".length()).trim().split("\\s+")) {
                        exposed.add(Integer.parseInt(port));
                    }
                }
            }
            assertEquals(new TreeSet<>(Set.of(defaultPort(service, "server.port"), defaultPort(service, "admin.port"))),
                    exposed, service + " EXPOSE");
            assertEquals(Set.of("/app/libs/", "/app/app.jar"), copied, service + ": the jar and its libs, where ENTRYPOINT runs them");
            assertTrue(Files.list(REPOSITORY.resolve(service).resolve("target/libs")).count() > 10, service + " libs");
            assertTrue(stage(dockerfile, "build-" + service).stream().anyMatch(line -> line.contains("-pl " + service + " ")),
                    "build-" + service + " builds " + service);
        }
        assertTrue(stage(dockerfile, "runtime").stream().anyMatch(line -> line.startsWith("ENTRYPOINT [")
                && line.endsWith("\"-jar\", \"app.jar\"]")), "the runtime stage runs /app/app.jar");
        assertEquals("-jar", ServiceProcess.jvm().getLast(), "processes start with the image's JVM flags");
    }

    /** The lines of the Dockerfile stage named {@code name}, up to the next FROM. */
    private static List<String> stage(List<String> dockerfile, String name) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : dockerfile) {
            if (line.startsWith("FROM ")) {
                in = line.endsWith(" AS " + name);
            } else if (in) {
                lines.add(line);
            }
        }
        assertFalse(lines.isEmpty(), "the Dockerfile has a stage " + name);
        return lines;
    }

    /** The environment variable is a key of the service's own defaults file (knowledge-service.yaml, mcp-gateway.yaml). */
    private static void assertReads(String service, String variable, String where) {
        assertTrue(reads(service, variable), where + " gives " + service + " " + variable
                + ", which it does not read; it reads " + variables(service));
    }

    private static boolean reads(String service, String variable) {
        return variables(service).contains(variable);
    }

    /** Every key of the service's defaults file as an environment variable name. */
    private static Set<String> variables(String service) {
        Set<String> names = new TreeSet<>();
        collect(defaults(service), "", names);
        return names;
    }

    private static void collect(Object node, String prefix, Set<String> names) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, child) -> collect(child, prefix.isEmpty() ? key.toString() : prefix + "." + key, names));
        } else {
            names.add(prefix.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
    }

    private static int defaultPort(String service, String key) {
        Object node = defaults(service);
        for (String part : key.split("\\.")) {
            node = ((Map<?, ?>) node).get(part);
        }
        return (Integer) node;
    }

    private static Map<String, Object> defaults(String service) {
        try {
            return new Yaml().load(Files.readString(REPOSITORY.resolve(service).resolve("src/main/resources/" + service + ".yaml")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int status(String service, String path) {
        try {
            return Mcp.HTTP.send(java.net.http.HttpRequest.newBuilder(
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
