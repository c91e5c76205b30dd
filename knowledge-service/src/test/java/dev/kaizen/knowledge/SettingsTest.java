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

class SettingsTest extends ServiceTest {

    static Map<String, ConfigEntry> list() {
        return service.settings().listConfig(ListConfigRequest.getDefaultInstance()).getEntriesList().stream()
                .collect(Collectors.toMap(ConfigEntry::getKey, entry -> entry));
    }

    static UpdateConfigResponse set(String key, String value) {
        return service.settings().updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }

    static ResetConfigResponse reset(String key) {
        return service.settings().resetConfig(ResetConfigRequest.newBuilder().setKey(key).build());
    }

    @Test
    void everyKeyIsListedWithItsDefaultAndType() {
        Map<String, ConfigEntry> config = list();
        assertEquals(Map.ofEntries(
                        Map.entry("search.relevance_threshold", "0.05"),
                        Map.entry("search.language", "english"),
                        Map.entry("search.max_results", "50"),
                        Map.entry("search.context_weight", "1.0"),
                        Map.entry("search.lead_weight", "0.8"),
                        Map.entry("search.content_weight", "0.4"),
                        Map.entry("search.bm25_k1", "0.3"),
                        Map.entry("search.bm25_b", "0.75"),
                        Map.entry("search.candidate_limit", "500"),
                        Map.entry("search.semantic_weight", "1.0"),
                        Map.entry("write.similarity_threshold", "0.8"),
                        Map.entry("write.similar_limit", "3"),
                        Map.entry("history.retention_days", "0")),
                config.values().stream().collect(Collectors.toMap(ConfigEntry::getKey, ConfigEntry::getDefaultValue)));
        assertEquals(ConfigType.CONFIG_TYPE_INTEGER, config.get("search.max_results").getType());
        assertEquals(ConfigType.CONFIG_TYPE_REGCONFIG, config.get("search.language").getType());
        assertEquals(ConfigType.CONFIG_TYPE_FLOAT, config.get("search.context_weight").getType());
        config.values().forEach(entry -> assertTrue(entry.getDescription().length() > 10, entry::getKey));
    }

    @Test
    void theMostResultsASettingAllowsIsTheLimitTheApiPublishes() {
        // search.max_results' range is written in the migrations, the offset rule in Rules: they must agree
        assertEquals(dev.kaizen.api.Rules.RESULTS_MAX, service.sqlNumber(
                "SELECT max_value FROM config WHERE key = 'search.max_results'"));
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
                "search.relevance_threshold", List.of("-0.1", "abc", "", "NaN", "1.01"),
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
    void numbersAreStoredInTheOneFormTheSearchReadsAndEveryAcceptedFormSearches() {
        String scope = namespace() + ":default";
        Map<String, Map<String, String>> accepted = Map.of(
                "search.max_results", Map.of("+5", "5", "007", "7", "1000", "1000"),
                "search.relevance_threshold", Map.of(".5", "0.5", "1.", "1", "0.50", "0.50", "0", "0",
                        "0.123456789012345", "0.123456789012345"),
                "search.bm25_k1", Map.of("000000000000010", "10"),
                "search.context_weight", Map.of("1", "1", "0.000000000000001", "0.000000000000001"),
                "search.content_weight", Map.of("-0", "0"));
        try {
            accepted.forEach((key, forms) -> forms.forEach((given, stored) -> {
                assertEquals(stored, set(key, given).getNewValue(), key + " " + given);
                assertEquals(stored, list().get(key).getValue());
                search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "anything");
            }));
        } finally {
            accepted.keySet().forEach(SettingsTest::reset);
        }
    }

    @Test
    void numbersInOtherNotationsOrDigitsAreRefused() {
        Map<String, List<String>> refused = Map.of(
                "search.max_results", List.of("1e2", "100.0", "\uFF11\uFF10", "\u0665\u0660", "0x10", "1_000", "10 0"),
                "search.relevance_threshold", List.of("1e39", "1e-46", "0.\uFF15", "NaN", "Infinity", "-Infinity",
                        "1".repeat(16), "0." + "1".repeat(16), "", "."),
                "search.content_weight", List.of("0,5", "½"));
        refused.forEach((key, values) -> values.forEach(value -> {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> set(key, value));
            assertTrue(message.startsWith("value"), message);
        }));
        assertEquals("50", list().get("search.max_results").getValue(), "refused values are not stored");
    }

    @Test
    void aLongKeyOrValueIsQuotedShortly() {
        String message = assertRefused(Status.Code.NOT_FOUND, () -> set("k".repeat(100_000), "1"));
        assertTrue(message.length() < 400 && message.contains("(100000 characters)"), message);
        message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> set("search.language", "v".repeat(100_000)));
        assertTrue(message.length() < 1000 && message.contains("(100000 characters)"), message);
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
        String scope = namespace() + ":default";
        long id = write(scope, "Running tests in parallel.", "running parallel", TaskSize.TASK_SIZE_UNSPECIFIED);
        refreshSearchStatistics();
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")),
                "english stems running and runs alike");
        try {
            set("search.language", "simple");
            assertEquals(List.of(), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")));
            assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED,
                    "running")));
        } finally {
            reset("search.language");
        }
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "runs")));
    }
}
