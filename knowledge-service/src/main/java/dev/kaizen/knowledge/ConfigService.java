package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.ConfigEntry;
import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.ConfigType;
import dev.kaizen.api.v1.ListConfigRequest;
import dev.kaizen.api.v1.ListConfigResponse;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ResetConfigResponse;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateConfigResponse;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.helidon.dbclient.DbExecute;

/**
 * kaizen.v1.ConfigService: the search settings (the API and the MCP tools call them "config"; in the code
 * they are settings, and "config" is the process configuration of the defaults files and the
 * environment). Each setting's type and valid range are rows
 * of the {@code config} table, so one check serves every key. Changing the text search language
 * re-indexes all knowledge in the same transaction (the one change whose cost grows with the
 * knowledge base; writes block meanwhile, so no entry is left indexed in the old language).
 */
final class ConfigService implements BindableService {
    static final String SEMANTIC_WEIGHT = "search.semantic_weight";
    private final Database database;
    /** Search by meaning, or null when this replica runs without it. */
    private final SemanticRecall semantic;

    ConfigService(Database database, SemanticRecall semantic) {
        this.database = database;
        this.semantic = semantic;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return Rpc.service(ConfigServiceGrpc.getServiceDescriptor())
                .unary(ConfigServiceGrpc.getListConfigMethod(), this::listConfig)
                .unary(ConfigServiceGrpc.getUpdateConfigMethod(), this::updateConfig)
                .unary(ConfigServiceGrpc.getResetConfigMethod(), this::resetConfig)
                .build();
    }

    private ListConfigResponse listConfig(ListConfigRequest request) {
        List<ConfigEntry> entries = database.inTransaction(db -> Sql.rows(db,
                        "SELECT key, type, value, default_value, description FROM config ORDER BY key"))
                .stream()
                .map(row -> ConfigEntry.newBuilder()
                        .setKey(Sql.string(row, "key"))
                        .setType(type(Sql.string(row, "type")))
                        .setValue(Sql.string(row, "value"))
                        .setDefaultValue(Sql.string(row, "default_value"))
                        .setDescription(Sql.string(row, "description"))
                        .build())
                .toList();
        return ListConfigResponse.newBuilder().addAllEntries(entries).build();
    }

    private UpdateConfigResponse updateConfig(UpdateConfigRequest request) {
        String key = requireKey(request.getKey());
        String value = request.getValue().strip();
        Access.requireServerAdmin("change search settings");
        return database.inTransaction(tx -> {
            Setting setting = lockSetting(tx, key);
            String newValue = validate(tx, setting, value);
            store(tx, setting, newValue);
            semanticTurnedOn(tx, setting, newValue);
            Audit.record(tx, "config.update", null, key, setting.value() + " -> " + newValue);
            return UpdateConfigResponse.newBuilder().setKey(key).setOldValue(setting.value()).setNewValue(newValue).build();
        });
    }

    private ResetConfigResponse resetConfig(ResetConfigRequest request) {
        String key = requireKey(request.getKey());
        Access.requireServerAdmin("change search settings");
        return database.inTransaction(tx -> {
            Setting setting = lockSetting(tx, key);
            store(tx, setting, setting.defaultValue());
            semanticTurnedOn(tx, setting, setting.defaultValue());
            Audit.record(tx, "config.reset", null, key, setting.value() + " -> " + setting.defaultValue());
            return ResetConfigResponse.newBuilder().setKey(key).setValue(setting.defaultValue()).build();
        });
    }

    private static void store(DbExecute tx, Setting setting, String value) {
        boolean reindex = !setting.isNumber() && !value.equals(setting.value());
        if (reindex) {
            // SHARE mode waits for writes in flight and holds new ones until the re-index commits
            Sql.update(tx, "LOCK TABLE knowledge IN SHARE MODE");
        }
        Sql.update(tx, "UPDATE config SET value = ? WHERE key = ?", value, setting.key());
        if (reindex) {
            Sql.update(tx, """
                    UPDATE knowledge k SET search_vector = knowledge_search_vector(t.context, t.content)
                    FROM knowledge_text t WHERE t.knowledge_id = k.id""");
            // the lexemes changed, so the statistics the search weighs them by must too
            SearchStatistics.refresh(tx);
        }
    }

    /**
     * When search.semantic_weight turns on again, the entries written while it was off (they were
     * not queued) are queued for embedding, in the same transaction.
     */
    private void semanticTurnedOn(DbExecute tx, Setting setting, String value) {
        if (semantic != null && setting.key().equals(SEMANTIC_WEIGHT) && Double.parseDouble(setting.value()) <= 0
                && Double.parseDouble(value) > 0) {
            SemanticRecall.queueMissing(tx, semantic.model().id());
        }
    }

    /** Checks {@code value} against the setting's type and range; returns the value to store. */
    private static String validate(DbExecute tx, Setting setting, String value) {
        if (value.isEmpty()) {
            throw Failures.invalidArgument("value", "value is missing: give " + setting.key() + " a " + setting.type() + " value.");
        }
        if (setting.isNumber()) {
            return setting.number(value);
        }
        if (Sql.row(tx, "SELECT 1 FROM pg_ts_config WHERE cfgname = ?", value).isEmpty()) {
            String known = Sql.rows(tx, "SELECT string_agg(cfgname, ', ' ORDER BY cfgname) AS names FROM pg_ts_config")
                    .getFirst().column("names").asString().orElse("");
            throw Failures.invalidArgument("value", "value " + Rules.quote(value) + " is not a text search configuration "
                    + "of this database: use one of " + known + ".");
        }
        return value;
    }

    private static Setting lockSetting(DbExecute tx, String key) {
        return Sql.row(tx, """
                        SELECT key, type, value, default_value, min_value, max_value
                        FROM config WHERE key = ? FOR UPDATE""", key)
                .map(Setting::of)
                .orElseThrow(() -> {
                    String keys = Sql.rows(tx, "SELECT string_agg(key, ', ' ORDER BY key) AS keys FROM config")
                            .getFirst().column("keys").asString().orElse("");
                    return Failures.notFound("key", "key " + Rules.quote(key) + " is not a configuration key: use one of "
                            + keys + ".");
                });
    }

    private static String requireKey(String key) {
        if (key.isBlank()) {
            throw Failures.invalidArgument("key", "key is missing: list_config shows the keys.");
        }
        return key;
    }

    private static ConfigType type(String type) {
        return ConfigType.valueOf("CONFIG_TYPE_" + type.toUpperCase(java.util.Locale.ROOT));
    }
}
