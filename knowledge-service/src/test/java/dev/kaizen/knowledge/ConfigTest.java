package dev.kaizen.knowledge;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.kaizen.api.v1.ConfigEntry;
import dev.kaizen.api.v1.ConfigType;
import dev.kaizen.api.v1.ListConfigRequest;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ResetConfigResponse;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateConfigResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest extends ServiceTest {

    static Map<String, ConfigEntry> list() {
        return service.config.listConfig(ListConfigRequest.getDefaultInstance()).getEntriesList().stream()
                .collect(Collectors.toMap(ConfigEntry::getKey, entry -> entry));
    }

    static UpdateConfigResponse set(String key, String value) {
        return service.config.updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }

    static ResetConfigResponse reset(String key) {
        return service.config.resetConfig(ResetConfigRequest.newBuilder().setKey(key).build());
    }

    @Test
    void everyKeyIsListedWithItsDefaultAndType() {
        Map<String, ConfigEntry> config = list();
        assertEquals(Map.of(
                        "search.relevance_threshold", "0.4",
                        "search.language", "english",
                        "search.max_results", "50",
                        "search.context_weight", "1.0",
                        "search.content_weight", "0.4"),
                config.values().stream().collect(Collectors.toMap(ConfigEntry::getKey, ConfigEntry::getDefaultValue)));
        assertEquals(ConfigType.CONFIG_TYPE_INTEGER, config.get("search.max_results").getType());
        assertEquals(ConfigType.CONFIG_TYPE_REGCONFIG, config.get("search.language").getType());
        assertEquals(ConfigType.CONFIG_TYPE_FLOAT, config.get("search.context_weight").getType());
        config.values().forEach(entry -> assertTrue(entry.getDescription().length() > 10, entry::getKey));
    }

    @Test
    void updateReportsOldAndNewValueAndResetRestoresTheDefault() {
        UpdateConfigResponse updated = set("search.content_weight", "0.25");
        assertEquals("0.4", updated.getOldValue());
        assertEquals("0.25", updated.getNewValue());
        assertEquals("0.25", list().get("search.content_weight").getValue());
        ResetConfigResponse reset = reset("search.content_weight");
        assertEquals("0.4", reset.getValue());
        assertEquals("0.4", list().get("search.content_weight").getValue());
    }

    @Test
    void valuesAreValidatedAgainstTypeAndRange() {
        Map<String, List<String>> bad = Map.of(
                "search.relevance_threshold", List.of("-0.1", "abc", "", "NaN"),
                "search.max_results", List.of("0", "1001", "2.5", "ten"),
                "search.context_weight", List.of("1.5", "-1"),
                "search.content_weight", List.of("2"),
                "search.language", List.of("klingon", "english; drop table config"));
        bad.forEach((key, values) -> values.forEach(value -> {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> set(key, value));
            assertTrue(message.startsWith("value"), message);
        }));
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> set("search.language", "klingon"))
                .contains("english"), "the message lists the configurations that exist");
        assertEquals("50", list().get("search.max_results").getValue(), "refused values are not stored");
        set("search.max_results", "1000");
        set("search.max_results", "1");
        reset("search.max_results");
    }

    @Test
    void unknownKeysAreNotFound() {
        String message = assertRefused(Status.Code.NOT_FOUND, () -> set("search.colour", "blue"));
        assertTrue(message.contains("search.max_results"), message);
        assertRefused(Status.Code.NOT_FOUND, () -> reset("search.colour"));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> reset(""));
    }

    @Test
    void changingTheLanguageReindexesExistingKnowledge() {
        String scope = ScopeTest.namespace() + ":default";
        long id = TaskContextTest.write(scope, "Running tests in parallel.", "running parallel", TaskSize.TASK_SIZE_UNSPECIFIED);
        assertEquals(List.of(id), TaskContextTest.ids(TaskContextTest.search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")),
                "english stems running and runs alike");
        try {
            set("search.language", "simple");
            assertEquals(List.of(), TaskContextTest.ids(TaskContextTest.search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")));
            assertEquals(List.of(id), TaskContextTest.ids(TaskContextTest.search(scope, TaskSize.TASK_SIZE_UNSPECIFIED,
                    "running")));
        } finally {
            reset("search.language");
        }
        assertEquals(List.of(id), TaskContextTest.ids(TaskContextTest.search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")));
    }
}
