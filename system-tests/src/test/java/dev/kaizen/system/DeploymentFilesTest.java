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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the deployment files true to the code: the rendered Kubernetes manifests, docker-compose.yml
 * and the Dockerfile must use the ports the services listen on by default, probe paths the running
 * services answer, only environment variables the services read (every key of their own defaults
 * file (knowledge-service.yaml, mcp-gateway.yaml), upper case with '.' as '_'), and the user the
 * images run as; the Dockerfile's build context must hold every module of the reactor. What needs
 * the images themselves (they build, run read-only as that user, answer real clients, stop on
 * SIGTERM) is checked by {@code ./kaizen images}.
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
        Map<String, Map<String, Object>> services = composeServices();
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

    @Test
    void theImagesRunAsTheUserTheManifestsExpect() throws Exception {
        List<String> runtime = stage(Files.readAllLines(REPOSITORY.resolve("Dockerfile")), "runtime");
        List<String> users = runtime.stream().filter(line -> line.startsWith("USER ")).toList();
        assertEquals(1, users.size(), "the runtime stage sets USER once: " + users);
        Matcher user = Pattern.compile("^USER (\\d+):(\\d+)$").matcher(users.getFirst());
        assertTrue(user.matches(), "USER is numeric uid:gid, so runAsNonRoot can check it: " + users.getFirst());
        long uid = Long.parseLong(user.group(1));
        long gid = Long.parseLong(user.group(2));
        assertTrue(uid > 0 && gid > 0, "a non-root user: " + users.getFirst());
        String created = String.join(" ", runtime);
        assertTrue(created.contains("--gid " + gid + " ") && created.contains("--uid " + uid + " "),
                "the runtime stage creates the user " + uid + ":" + gid);
        List<Map<String, Object>> manifests = kubernetesManifests();
        for (String service : SERVICES) {
            @SuppressWarnings("unchecked")
            Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) deployment(manifests, service).get("template")).get("spec");
            @SuppressWarnings("unchecked")
            Map<String, Object> podContext = (Map<String, Object>) pod.get("securityContext");
            @SuppressWarnings("unchecked")
            Map<String, Object> containerContext = (Map<String, Object>) container(manifests, service).get("securityContext");
            for (Map<String, Object> context : List.of(podContext, containerContext)) {
                if (context.containsKey("runAsUser")) {
                    assertEquals(uid, ((Number) context.get("runAsUser")).longValue(), service + " runAsUser vs the Dockerfile's USER");
                }
                if (context.containsKey("runAsGroup")) {
                    assertEquals(gid, ((Number) context.get("runAsGroup")).longValue(), service + " runAsGroup vs the Dockerfile's USER");
                }
            }
            assertEquals(uid, ((Number) podContext.get("runAsUser")).longValue(), service + " sets runAsUser");
            assertEquals(true, containerContext.get("readOnlyRootFilesystem"), service + " read-only root file system");
            assertTrue(list(container(manifests, service), "volumeMounts").stream()
                    .anyMatch(mount -> "/tmp".equals(mount.get("mountPath"))), service + " mounts a writable /tmp");
        }
        Map<String, Map<String, Object>> compose = composeServices();
        for (String service : SERVICES) {
            Object composeUser = compose.get(service).get("user");
            assertTrue(composeUser == null || composeUser.toString().equals(uid + ":" + gid),
                    service + " in docker-compose.yml runs as the image's user: " + composeUser);
            assertEquals(true, compose.get(service).get("read_only"), service + " read_only in docker-compose.yml");
            assertEquals(List.of("/tmp"), compose.get(service).get("tmpfs"), service + " tmpfs in docker-compose.yml");
        }
    }

    @Test
    void theDeploymentFilesRepeatNoDefaultAndShowTheRealOnes() throws Exception {
        Map<String, Map<String, Object>> services = composeServices();
        for (String service : SERVICES) {
            ((Map<?, ?>) services.get(service).get("environment")).forEach((variable, value) -> {
                if (value != null) {
                    assertNotADefault(variable.toString(), value.toString(), "docker-compose.yml (" + service + ")");
                }
            });
        }
        Pattern shown = Pattern.compile("^# ([A-Z][A-Z0-9_]+)=(.*)$");
        int commented = 0;
        for (String line : Files.readAllLines(REPOSITORY.resolve("k8s/config.env"))) {
            Matcher setting = shown.matcher(line);
            if (setting.matches()) {
                String variable = setting.group(1);
                assertTrue(SERVICES.stream().anyMatch(service -> reads(service, variable)),
                        "k8s/config.env shows " + variable + ", which neither service reads");
                for (String service : SERVICES) {
                    String fallback = defaultValues(service).get(variable);
                    assertTrue(fallback == null || fallback.equals(setting.group(2)), "k8s/config.env shows "
                            + variable + "=" + setting.group(2) + " as the default, but " + service + "'s is " + fallback);
                }
                commented++;
            } else if (!line.isBlank() && !line.startsWith("#") && line.contains("=")) {
                assertNotADefault(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1), "k8s/config.env");
            }
        }
        assertTrue(commented > 0, "k8s/config.env shows the defaults it does not change");
    }

    @Test
    void theReadmeConfigurationTablesShowTheRealDefaults() throws Exception {
        List<String> readme = Files.readAllLines(REPOSITORY.resolve("README.md"));
        int start = readme.indexOf("## Configuration");
        assertTrue(start >= 0, "README.md has a Configuration section");
        String service = null;
        int checked = 0;
        Pattern code = Pattern.compile("`([^`]*)`");
        for (String line : readme.subList(start + 1, readme.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.equals("knowledge-service:") || line.equals("mcp-gateway:")) {
                service = line.substring(0, line.length() - 1);
            }
            String[] cells = line.split("\\|");
            if (service == null || !line.startsWith("| `") || cells.length < 4) {
                continue;
            }
            List<String> variables = new ArrayList<>();
            Matcher name = code.matcher(cells[1]);
            while (name.find()) {
                variables.add(name.group(1));
            }
            String shown = cells[2].trim();
            List<String> values = new ArrayList<>();
            Matcher value = code.matcher(shown);
            while (value.find()) {
                values.add(value.group(1));
            }
            Map<String, String> defaults = defaultValues(service);
            for (int i = 0; i < variables.size(); i++) {
                String expected = shown.startsWith("empty") ? "" : values.size() == variables.size() ? values.get(i) : null;
                if (expected != null && defaults.containsKey(variables.get(i))) {
                    assertEquals(defaults.get(variables.get(i)), expected, "README.md shows " + variables.get(i) + "'s default of "
                            + service + " as '" + expected + "'");
                    checked++;
                }
            }
        }
        assertTrue(checked > 30, "README.md's tables were read: " + checked + " defaults checked");
    }

    @Test
    void kubernetesReferencesOnlyKeysTheConfigMapAndTheSecretTemplateHave() throws Exception {
        Set<String> config = envKeys(REPOSITORY.resolve("k8s/config.env"));
        Set<String> shownDefaults = new TreeSet<>();
        for (String line : Files.readAllLines(REPOSITORY.resolve("k8s/config.env"))) {
            Matcher shown = Pattern.compile("^# ([A-Z][A-Z0-9_]+)=").matcher(line);
            if (shown.find()) {
                shownDefaults.add(shown.group(1));
            }
        }
        Set<String> secrets = envKeys(REPOSITORY.resolve("k8s/secrets.env.example"));
        for (String service : SERVICES) {
            for (Map<String, Object> variable : list(container(kubernetesManifests(), service), "env")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> from = (Map<String, Object>) variable.get("valueFrom");
                if (from == null) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> configMap = (Map<String, Object>) from.get("configMapKeyRef");
                @SuppressWarnings("unchecked")
                Map<String, Object> secret = (Map<String, Object>) from.get("secretKeyRef");
                if (configMap != null) {
                    String key = (String) configMap.get("key");
                    // an optional key may stay unset, its default shown commented in config.env
                    assertTrue(config.contains(key) || Boolean.TRUE.equals(configMap.get("optional")) && shownDefaults.contains(key),
                            service + " reads " + key + " from the ConfigMap, which k8s/config.env does not set");
                }
                if (secret != null) {
                    assertTrue(secrets.contains((String) secret.get("key")), service + " reads " + secret.get("key")
                            + " from the Secret, which k8s/secrets.env.example does not list");
                }
            }
        }
        for (String key : secrets) {
            assertTrue(SERVICES.stream().anyMatch(service -> reads(service, key)),
                    "k8s/secrets.env.example key " + key + " is read by neither service");
        }
    }

    @Test
    void networkPoliciesAndScrapeAnnotationsUseThePortsThePodsOpen() throws Exception {
        List<Map<String, Object>> manifests = kubernetesManifests();
        for (String service : SERVICES) {
            Set<Integer> opened = new HashSet<>();
            for (Map<String, Object> port : list(container(manifests, service), "ports")) {
                opened.add((Integer) port.get("containerPort"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = (Map<String, Object>) ((Map<String, Object>) deployment(manifests, service)
                    .get("template")).get("metadata");
            @SuppressWarnings("unchecked")
            Map<String, Object> annotations = (Map<String, Object>) metadata.get("annotations");
            assertEquals(String.valueOf(defaultPort(service, "admin.port")), annotations.get("prometheus.io/port"), service + " scrape port");
            assertEquals(200, status(service, (String) annotations.get("prometheus.io/path")), service + " scrape path");
            for (Map<String, Object> policy : kind(manifests, "NetworkPolicy")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> spec = (Map<String, Object>) policy.get("spec");
                @SuppressWarnings("unchecked")
                Map<String, Object> selector = (Map<String, Object>) ((Map<String, Object>) spec.get("podSelector")).get("matchLabels");
                if (selector == null || !service.equals(selector.get("app.kubernetes.io/name"))) {
                    continue;
                }
                for (Map<String, Object> rule : list(spec, "ingress")) {
                    for (Map<String, Object> port : list(rule, "ports")) {
                        assertTrue(opened.contains(port.get("port")),
                                "NetworkPolicy " + name(policy) + " lets in port " + port.get("port") + ", which " + service + " does not open");
                    }
                }
                for (Map<String, Object> rule : list(spec, "egress")) {
                    for (Map<String, Object> to : list(rule, "to")) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> peer = (Map<String, Object>) to.get("podSelector");
                        Object target = peer == null ? null : ((Map<?, ?>) peer.get("matchLabels")).get("app.kubernetes.io/name");
                        if (SERVICES.contains(target)) {
                            for (Map<String, Object> port : list(rule, "ports")) {
                                assertEquals(defaultPort((String) target, "server.port"), port.get("port"),
                                        "NetworkPolicy " + name(policy) + ": " + service + " reaches " + target);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The Dockerfile names no module, so it cannot fall behind the reactor: every module of the root
     * pom.xml (and of nested aggregators) must be copied whole into the image build, and
     * .dockerignore must hide none of its pom.xml and main sources. Maven reads every module's pom
     * even with -pl, and -am builds whatever a service depends on.
     */
    @Test
    void theImageBuildSeesEveryModuleOfTheReactor() throws Exception {
        List<String> dockerfile = Files.readAllLines(REPOSITORY.resolve("Dockerfile"));
        List<String> copied = new ArrayList<>();
        for (String line : dockerfile) {
            if (line.startsWith("COPY ") && !line.contains("--from=")) {
                List<String> words = List.of(line.substring("COPY ".length()).trim().split("\\s+"));
                words.subList(0, words.size() - 1).stream().filter(word -> !word.startsWith("--"))
                        .map(word -> word.replaceAll("^\\./?", "").replaceAll("/$", "")).forEach(copied::add);
            }
        }
        List<String> ignored = Files.readAllLines(REPOSITORY.resolve(".dockerignore")).stream()
                .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        List<String> modules = modules(REPOSITORY, "");
        assertTrue(modules.containsAll(List.of("knowledge-service", "mcp-gateway")), "reactor modules: " + modules);
        for (String module : modules) {
            assertTrue(copied.stream().anyMatch(source -> source.isEmpty() || module.equals(source) || module.startsWith(source + "/")),
                    "the Dockerfile does not copy the module " + module + " (it copies " + copied + ")");
            List<String> files = new ArrayList<>(List.of(module + "/pom.xml"));
            Path main = REPOSITORY.resolve(module).resolve("src/main");
            if (Files.isDirectory(main)) {
                try (var walk = Files.walk(main)) {
                    walk.filter(Files::isRegularFile).map(file -> REPOSITORY.relativize(file).toString().replace('\\', '/')).forEach(files::add);
                }
            }
            for (String file : files) {
                assertFalse(dockerIgnores(ignored, file), ".dockerignore leaves " + file + " of the module " + module + " out of the image build");
            }
        }
        assertTrue(dockerIgnores(ignored, "knowledge-service/target/knowledge-service.jar"), "build output stays out of the context");
    }

    /** The modules of the pom.xml in {@code dir}, and of the aggregators among them, relative to the repository. */
    private static List<String> modules(Path dir, String prefix) throws Exception {
        var factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        var pom = factory.newDocumentBuilder().parse(dir.resolve("pom.xml").toFile());
        var nodes = pom.getElementsByTagName("module");
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            String module = nodes.item(i).getTextContent().trim();
            String path = prefix.isEmpty() ? module : prefix + "/" + module;
            assertTrue(Files.isRegularFile(dir.resolve(module).resolve("pom.xml")), "module " + path + " has a pom.xml");
            modules.add(path);
            modules.addAll(modules(dir.resolve(module), path));
        }
        return modules;
    }

    /**
     * Whether Docker leaves {@code file} out of the context: the last pattern of .dockerignore that
     * matches the file or one of its parent folders decides ('!' includes again). Patterns as
     * Docker reads them: '*' and '?' within a path element, '**' across elements.
     */
    static boolean dockerIgnores(List<String> patterns, String file) {
        boolean ignored = false;
        for (String line : patterns) {
            boolean include = line.startsWith("!");
            String pattern = (include ? line.substring(1) : line).trim().replaceAll("^/+", "").replaceAll("/+$", "");
            StringBuilder regex = new StringBuilder();
            for (int i = 0; i < pattern.length(); i++) {
                char c = pattern.charAt(i);
                if (pattern.startsWith("**/", i)) {
                    regex.append("(.*/)?");
                    i += 2;
                } else if (pattern.startsWith("**", i)) {
                    regex.append(".*");
                    i += 1;
                } else if (c == '*') {
                    regex.append("[^/]*");
                } else if (c == '?') {
                    regex.append("[^/]");
                } else {
                    regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            Pattern compiled = Pattern.compile(regex.toString());
            String path = file;
            boolean matches = false;
            while (!path.isEmpty() && !matches) {
                matches = compiled.matcher(path).matches();
                path = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
            }
            if (matches) {
                ignored = !include;
            }
        }
        return ignored;
    }

    private static Set<String> envKeys(Path file) throws IOException {
        Set<String> keys = new TreeSet<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.trim().startsWith("#") && line.contains("=")) {
                keys.add(line.substring(0, line.indexOf('=')).trim());
            }
        }
        return keys;
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

    /** The services of docker-compose.yml, by name. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> composeServices() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(REPOSITORY.resolve("docker-compose.yml")));
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    /** The service's defaults: its own file and the shared one (runtime/src/main/resources/kaizen.yaml). */
    private static Map<String, Object> defaults(String service) {
        try {
            Map<String, Object> defaults = new java.util.LinkedHashMap<>(new Yaml().load(Files.readString(
                    REPOSITORY.resolve(service).resolve("src/main/resources/" + service + ".yaml"))));
            Map<String, Object> shared = new Yaml().load(Files.readString(REPOSITORY.resolve("runtime/src/main/resources/kaizen.yaml")));
            shared.forEach((key, value) -> assertNull(defaults.put(key, value),
                    service + ".yaml and kaizen.yaml both write " + key + ": write each default once"));
            return defaults;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Every default of the service by its environment variable name, as text. */
    private static Map<String, String> defaultValues(String service) {
        Map<String, String> values = new java.util.TreeMap<>();
        collectValues(defaults(service), "", values);
        return values;
    }

    private static void collectValues(Object node, String prefix, Map<String, String> values) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, child) -> collectValues(child, prefix.isEmpty() ? key.toString() : prefix + "." + key, values));
        } else {
            values.put(prefix.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), String.valueOf(node));
        }
    }

    /** A setting a deployment file gives: its value must differ from every reading service's default. */
    private static void assertNotADefault(String variable, String value, String where) {
        for (String service : SERVICES) {
            String fallback = defaultValues(service).get(variable);
            assertTrue(fallback == null || !fallback.equals(value), where + " sets " + variable + "=" + value
                    + ", which is " + service + "'s default already: leave it out (k8s/config.env may show it commented)");
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

    /** The spec of the Deployment named {@code name}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> deployment(List<Map<String, Object>> manifests, String name) {
        Map<String, Object> found = kind(manifests, "Deployment").stream()
                .filter(manifest -> name.equals(name(manifest))).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + name));
        return (Map<String, Object>) found.get("spec");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(List<Map<String, Object>> manifests, String deployment) {
        Map<String, Object> template = (Map<String, Object>) deployment(manifests, deployment).get("template");
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
