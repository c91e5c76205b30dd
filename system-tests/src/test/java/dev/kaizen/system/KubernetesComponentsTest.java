package dev.kaizen.system;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.kaizen.stack.ServiceProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional Kubernetes components: `kubectl kustomize` renders the base with each of them, and the
 * CloudNativePG component's objects are valid against the operator's CRD schema (the subset kept in
 * k8s/optional/cloudnative-pg/schema/, or the published CRDs in {@code KAIZEN_CNPG_CRDS}) and say what
 * production needs: three instances on separate nodes, synchronous replication, resources, backups,
 * and knowledge-service on the read-write Service with the operator's credentials.
 */
class KubernetesComponentsTest {
    private static final Path REPOSITORY = ServiceProcess.REPOSITORY;
    private static final Path COMPONENTS = REPOSITORY.resolve("k8s/optional");
    /** CRD schemas by "group/version/Kind". */
    private static final Map<String, Map<String, Object>> SCHEMAS = new HashMap<>();

    @BeforeAll
    static void loadSchemas() throws IOException {
        String published = System.getenv("KAIZEN_CNPG_CRDS");
        Path folder = published == null || published.isBlank() ? COMPONENTS.resolve("cloudnative-pg/schema") : Path.of(published);
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (Object document : new Yaml().loadAll(Files.readString(file))) {
                    schemas(document);
                }
            }
        }
        assertTrue(SCHEMAS.containsKey("postgresql.cnpg.io/v1/Cluster"), "no Cluster schema in " + folder);
    }

    @SuppressWarnings("unchecked")
    private static void schemas(Object document) {
        if (!(document instanceof Map<?, ?> crd) || !"CustomResourceDefinition".equals(crd.get("kind"))) {
            return;
        }
        Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
        String kind = (String) ((Map<String, Object>) spec.get("names")).get("kind");
        for (Map<String, Object> version : (List<Map<String, Object>>) spec.get("versions")) {
            SCHEMAS.put(spec.get("group") + "/" + version.get("name") + "/" + kind,
                    (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema"));
        }
    }

    @Test
    void kustomizeRendersTheBaseWithEachOptionalComponent() throws Exception {
        List<String> components;
        try (Stream<Path> folders = Files.list(COMPONENTS)) {
            components = folders.filter(Files::isDirectory).map(folder -> folder.getFileName().toString()).sorted().toList();
        }
        assertTrue(components.containsAll(List.of("cloudnative-pg", "observability", "postgres", "ingress", "internal-clients")));
        for (String component : components) {
            List<Map<String, Object>> objects = render(component);
            assertTrue(objects.stream().anyMatch(o -> "Deployment".equals(o.get("kind"))), component);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theCloudNativePgObjectsAreValidAgainstTheOperatorsSchema() throws Exception {
        List<Map<String, Object>> cnpg = render("cloudnative-pg").stream()
                .filter(o -> String.valueOf(o.get("apiVersion")).startsWith("postgresql.cnpg.io/")).toList();
        assertEquals(List.of("Cluster", "ScheduledBackup"), cnpg.stream().map(o -> (String) o.get("kind")).sorted().toList());
        for (Map<String, Object> object : cnpg) {
            Map<String, Object> schema = SCHEMAS.get(object.get("apiVersion") + "/" + object.get("kind"));
            assertTrue(schema != null, "no schema for " + object.get("apiVersion") + " " + object.get("kind"));
            assertEquals(List.of(), StructuralSchema.violations(schema, object), object.get("kind") + " is not valid");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClusterSurvivesLosingANodeAndKnowledgeServiceUsesIt() throws Exception {
        List<Map<String, Object>> objects = render("cloudnative-pg");
        Map<String, Object> cluster = objects.stream().filter(o -> "Cluster".equals(o.get("kind"))).findFirst().orElseThrow();
        Map<String, Object> spec = (Map<String, Object>) cluster.get("spec");
        assertEquals(3, spec.get("instances"));
        Map<String, Object> synchronous = (Map<String, Object>) ((Map<String, Object>) spec.get("postgresql")).get("synchronous");
        assertTrue(((Integer) synchronous.get("number")) >= 1, "a commit waits for a standby");
        assertEquals("required", synchronous.get("dataDurability"));
        Map<String, Object> affinity = (Map<String, Object>) spec.get("affinity");
        assertEquals(true, affinity.get("enablePodAntiAffinity"));
        assertEquals("required", affinity.get("podAntiAffinityType"));
        assertEquals("kubernetes.io/hostname", affinity.get("topologyKey"));
        Map<String, Object> resources = (Map<String, Object>) spec.get("resources");
        assertTrue(resources.containsKey("requests") && resources.containsKey("limits"));
        assertTrue(((Map<String, Object>) spec.get("backup")).containsKey("barmanObjectStore"));
        String database = (String) ((Map<String, Object>) ((Map<String, Object>) spec.get("bootstrap")).get("initdb")).get("database");
        String name = (String) ((Map<String, Object>) cluster.get("metadata")).get("name");

        Map<String, Object> config = objects.stream().filter(o -> "ConfigMap".equals(o.get("kind"))
                && ((String) ((Map<String, Object>) o.get("metadata")).get("name")).startsWith("kaizen-config")).findFirst().orElseThrow();
        Map<String, Object> data = (Map<String, Object>) config.get("data");
        assertEquals("jdbc:postgresql://" + name + "-rw:5432/" + database, data.get("DB_URL"));
        assertEquals("jdbc:postgresql://" + name + "-ro:5432/" + database, data.get("DB_READ_URL"));
        Map<String, Map<String, Object>> env = new HashMap<>();
        for (Map<String, Object> variable : knowledgeServiceEnv(objects)) {
            env.put((String) variable.get("name"), variable);
        }
        for (String variable : List.of("DB_USER", "DB_PASSWORD")) {
            Map<String, Object> secret = (Map<String, Object>) ((Map<String, Object>) env.get(variable).get("valueFrom")).get("secretKeyRef");
            assertEquals(name + "-app", secret.get("name"), variable + " comes from the operator's Secret");
        }
        assertTrue(env.containsKey("DB_READ_URL"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSchemaCheckRefusesWhatTheOperatorWould() throws Exception {
        Map<String, Object> cluster = render("cloudnative-pg").stream().filter(o -> "Cluster".equals(o.get("kind")))
                .findFirst().orElseThrow();
        Map<String, Object> schema = SCHEMAS.get("postgresql.cnpg.io/v1/Cluster");
        Map<String, Object> broken = new Yaml().load(new Yaml().dump(cluster));
        Map<String, Object> spec = (Map<String, Object>) broken.get("spec");
        spec.put("instances", 0);
        spec.put("instancez", 3);
        ((Map<String, Object>) ((Map<String, Object>) spec.get("postgresql")).get("synchronous")).put("method", "all");
        ((Map<String, Object>) spec.get("backup")).put("retentionPolicy", "30 days");
        ((Map<String, Object>) spec.get("resources")).put("limits", Map.of("memory", "lots"));
        List<String> violations = StructuralSchema.violations(schema, broken);
        for (String expected : List.of("spec.instances", "spec.instancez: unknown field", "spec.postgresql.synchronous.method",
                "spec.backup.retentionPolicy", "spec.resources.limits.memory")) {
            assertTrue(violations.stream().anyMatch(v -> v.startsWith(expected)), expected + " in " + violations);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> knowledgeServiceEnv(List<Map<String, Object>> objects) {
        Map<String, Object> deployment = objects.stream().filter(o -> "Deployment".equals(o.get("kind"))
                && "knowledge-service".equals(((Map<String, Object>) o.get("metadata")).get("name"))).findFirst().orElseThrow();
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec"))
                .get("template")).get("spec");
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).getFirst();
        return (List<Map<String, Object>>) container.get("env");
    }

    /** `kubectl kustomize` of an overlay made of the base and {@code component}. */
    private static List<Map<String, Object>> render(String component) throws IOException, InterruptedException {
        Path overlay = REPOSITORY.resolve("system-tests/target/kustomize/" + component);
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [../../../../k8s]
                components: [../../../../k8s/optional/%s]
                """.formatted(component));
        Process kubectl;
        try {
            kubectl = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).redirectErrorStream(true).start();
        } catch (IOException noKubectl) {
            Assumptions.abort("kubectl is not installed: " + noKubectl.getMessage());
            throw noKubectl;
        }
        String yaml;
        try (InputStream out = kubectl.getInputStream()) {
            yaml = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(0, kubectl.waitFor(), "kubectl kustomize with " + component + " fails:\n" + yaml);
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) map;
                objects.add(object);
            }
        }
        assertFalse(objects.isEmpty(), component);
        return objects;
    }
}
