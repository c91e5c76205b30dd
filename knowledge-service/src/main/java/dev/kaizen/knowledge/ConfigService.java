package dev.kaizen.knowledge;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

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
import io.helidon.dbclient.DbRow;

/**
 * kaizen.v1.ConfigService: the typed runtime settings. Each setting's type and valid range are rows
 * of the {@code config} table, so one check serves every key. Changing the text search language
 * re-indexes all knowledge in the same transaction (the one change whose cost grows with the
 * knowledge base; writes block meanwhile, so no entry is left indexed in the old language).
 */
final class ConfigService implements BindableService {
    /** Whole numbers as the search reads them: ASCII digits, at most nine of them. */
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,9}");
    /** Decimals as the search reads them: ASCII digits, an optional point, at most 15 digits each side. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]{1,15}(?:\\.[0-9]{0,15})?|\\.[0-9]{1,15})");

    private final Database database;

    ConfigService(Database database) {
        this.database = database;
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
        List<ConfigEntry> entries = Sql.rows(database.execute(),
                        "SELECT key, type, value, default_value, description FROM config ORDER BY key")
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
        return database.inTransaction(tx -> {
            DbRow setting = lockSetting(tx, key);
            String oldValue = Sql.string(setting, "value");
            String newValue = validate(tx, setting, value);
            store(tx, setting, newValue);
            return UpdateConfigResponse.newBuilder().setKey(key).setOldValue(oldValue).setNewValue(newValue).build();
        });
    }

    private ResetConfigResponse resetConfig(ResetConfigRequest request) {
        String key = requireKey(request.getKey());
        return database.inTransaction(tx -> {
            DbRow setting = lockSetting(tx, key);
            String defaultValue = Sql.string(setting, "default_value");
            store(tx, setting, defaultValue);
            return ResetConfigResponse.newBuilder().setKey(key).setValue(defaultValue).build();
        });
    }

    private static void store(DbExecute tx, DbRow setting, String value) {
        String key = Sql.string(setting, "key");
        boolean reindex = "regconfig".equals(Sql.string(setting, "type")) && !value.equals(Sql.string(setting, "value"));
        if (reindex) {
            // SHARE mode waits for writes in flight and holds new ones until the re-index commits
            Sql.update(tx, "LOCK TABLE knowledge IN SHARE MODE");
        }
        Sql.update(tx, "UPDATE config SET value = ? WHERE key = ?", value, key);
        if (reindex) {
            Sql.update(tx, """
                    UPDATE knowledge k SET search_vector = knowledge_search_vector(t.context, t.content)
                    FROM knowledge_text t WHERE t.knowledge_id = k.id""");
        }
    }

    /**
     * Checks {@code value} against the setting's type and range; returns the value to store, in the
     * one canonical form the search reads. Numbers are plain ASCII decimals only: exponents,
     * other digits (full-width, Arabic-Indic) and NaN or Infinity are refused, so nothing is stored
     * that PostgreSQL's casts would read differently or not at all.
     */
    static String validate(DbExecute tx, DbRow setting, String value) {
        String key = Sql.string(setting, "key");
        String type = Sql.string(setting, "type");
        if (value.isEmpty()) {
            throw Failures.invalidArgument("value is missing: give " + key + " a " + type + " value.");
        }
        if ("regconfig".equals(type)) {
            if (Sql.row(tx, "SELECT 1 FROM pg_ts_config WHERE cfgname = ?", value).isEmpty()) {
                String known = Sql.rows(tx, "SELECT string_agg(cfgname, ', ' ORDER BY cfgname) AS names FROM pg_ts_config")
                        .getFirst().column("names").asString().orElse("");
                throw Failures.invalidArgument("value " + Rules.quote(value) + " is not a text search configuration "
                        + "of this database: use one of " + known + ".");
            }
            return value;
        }
        boolean integer = "integer".equals(type);
        BigDecimal number = (integer ? INTEGER : DECIMAL).matcher(value).matches() ? new BigDecimal(value) : null;
        if (number == null) {
            throw Failures.invalidArgument("value " + Rules.quote(value) + " is not " + (integer
                    ? "a whole number" : "a plain decimal number") + ": " + key + " takes " + range(setting)
                    + ", written with the digits 0-9" + (integer ? "" : " and an optional decimal point") + ".");
        }
        BigDecimal min = (BigDecimal) Sql.value(setting, "min_value");
        BigDecimal max = (BigDecimal) Sql.value(setting, "max_value");
        if ((min != null && number.compareTo(min) < 0) || (max != null && number.compareTo(max) > 0)) {
            throw Failures.invalidArgument("value " + Rules.quote(value) + " is out of range: " + key + " takes "
                    + range(setting) + ".");
        }
        return number.toPlainString();
    }

    private static String range(DbRow setting) {
        String type = "integer".equals(Sql.string(setting, "type")) ? "a whole number" : "a number";
        Object min = Sql.value(setting, "min_value");
        Object max = Sql.value(setting, "max_value");
        if (min != null && max != null) {
            return type + " from " + plain(min) + " to " + plain(max);
        }
        return min != null ? type + " of at least " + plain(min) : max != null ? type + " of at most " + plain(max) : type;
    }

    private static String plain(Object number) {
        return ((BigDecimal) number).stripTrailingZeros().toPlainString();
    }

    private static DbRow lockSetting(DbExecute tx, String key) {
        return Sql.row(tx, """
                        SELECT key, type, value, default_value, min_value, max_value
                        FROM config WHERE key = ? FOR UPDATE""", key)
                .orElseThrow(() -> {
                    String keys = Sql.rows(tx, "SELECT string_agg(key, ', ' ORDER BY key) AS keys FROM config")
                            .getFirst().column("keys").asString().orElse("");
                    return Failures.notFound("key " + Rules.quote(key) + " is not a configuration key: use one of "
                            + keys + ".");
                });
    }

    private static String requireKey(String key) {
        if (key.isBlank()) {
            throw Failures.invalidArgument("key is missing: list_config shows the keys.");
        }
        return key;
    }

    private static ConfigType type(String type) {
        return ConfigType.valueOf("CONFIG_TYPE_" + type.toUpperCase(java.util.Locale.ROOT));
    }
}
