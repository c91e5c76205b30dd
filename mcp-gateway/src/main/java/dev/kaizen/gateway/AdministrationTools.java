package dev.kaizen.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditEvent;
import dev.kaizen.api.v1.ConfigEntry;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.ListAuditEventsResponse;
import dev.kaizen.api.v1.ListConfigRequest;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ResetConfigResponse;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateConfigResponse;

import static dev.kaizen.gateway.JsonSchemas.array;
import static dev.kaizen.gateway.JsonSchemas.id;
import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.mapOf;
import static dev.kaizen.gateway.JsonSchemas.nullableString;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.KaizenTool.Effect.READS;
import static dev.kaizen.gateway.KaizenTool.Effect.WRITES;
import static dev.kaizen.gateway.KaizenTool.define;
import static dev.kaizen.gateway.ToolSchemas.map;
import static dev.kaizen.gateway.ToolSchemas.time;

/**
 * The administration tools: the audit log, and the search settings (the {@code config} table that
 * the settings tools keep their MCP names for; the services' own configuration is not reachable here).
 */
final class AdministrationTools {
    private static final Map<String, Object> AUDIT_EVENT = object(
            required("id", string("The event's id, a decimal string; ids grow with time.")),
            required("time", string("When, RFC 3339.")),
            required("principal", string("Who.")),
            required("action", string("What, e.g. knowledge.write, scope.update, namespace.delete, config.update.")),
            required("namespace", nullableString("Where; null for server-wide changes (settings).")),
            required("target", string("What it changed: a name, an entry id or a setting key.")),
            required("details", string("More about it.")));
    private static final Map<String, Object> SETTING = object(
            required("value", string("Its value.")),
            required("default_value", string("Its default.")),
            required("type", string("integer, float or regconfig.")),
            required("description", string("What it does and its range.")));

    private AdministrationTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                define("get_audit_log", "Read the audit log", READS)
                        .description("Who changed what and when, newest first: every change to namespaces, scopes, "
                                + "knowledge and settings. Server-wide admins read all of it; a namespace's admins read "
                                + "its events (give namespace).")
                        .input(object(optional("namespace", string("Only the events of this namespace: "
                                        + Rules.NAME_RULE + ".", Rules.NAME_PATTERN)),
                                optional("limit", integer("Most events to answer (default " + Rules.AUDIT_PAGE_DEFAULT
                                        + ").", 1, Rules.AUDIT_PAGE_MAX)),
                                optional("before_id", id("Only events older than this one: the next_before_id of an "
                                        + "earlier answer."))))
                        .output(object(
                                required("events", array("The changes, newest first.", AUDIT_EVENT)),
                                optional("next_before_id", string("The before_id that reads on to older events."))))
                        .answers((args, api) -> {
                            ListAuditEventsRequest.Builder request = ListAuditEventsRequest.newBuilder()
                                    .setPageSize(args.integer("limit", Rules.AUDIT_PAGE_DEFAULT,
                                            value -> Rules.auditPageSize("limit", value)));
                            args.optionalString("namespace", Rules::name).ifPresent(request::setNamespace);
                            if (args.has("before_id")) {
                                request.setBeforeId(args.id("before_id"));
                            }
                            ListAuditEventsResponse events = api.audit().listAuditEvents(request.build());
                            Map<String, Object> result = map("events",
                                    events.getEventsList().stream().map(AdministrationTools::auditEvent).toList());
                            if (events.getNextPageBeforeId() != 0) {
                                result.put("next_before_id", String.valueOf(events.getNextPageBeforeId()));
                            }
                            return result;
                        }),
                define("list_config", "List the configuration", READS)
                        .description("List the search settings with their values, defaults, types and descriptions.")
                        .input(object())
                        .output(object(required("configs", mapOf("The settings by key.", SETTING))))
                        .answers((args, api) -> {
                            Map<String, Object> settings = new LinkedHashMap<>();
                            for (ConfigEntry setting : api.settings().listConfig(ListConfigRequest.getDefaultInstance())
                                    .getEntriesList()) {
                                settings.put(setting.getKey(), map("value", setting.getValue(), "default_value",
                                        setting.getDefaultValue(), "type", setting.getType().name()
                                                .substring("CONFIG_TYPE_".length()).toLowerCase(Locale.ROOT),
                                        "description", setting.getDescription()));
                            }
                            return map("configs", settings);
                        }),
                define("update_config", "Change a setting", WRITES)
                        .description("Set a search setting; the value is checked against the key's type and range "
                                + "(list_config shows them).")
                        .input(object(required("key", string("Setting key, e.g. search.max_results.")),
                                required("value", string("New value, as text, e.g. \"20\"."))))
                        .output(object(
                                required("key", string("The setting.")),
                                required("old_value", string("Its value before.")),
                                required("new_value", string("Its value now."))))
                        .answers((args, api) -> {
                            UpdateConfigResponse updated = api.settings().updateConfig(UpdateConfigRequest.newBuilder()
                                    .setKey(args.string("key")).setValue(args.string("value")).build());
                            return map("key", updated.getKey(), "old_value", updated.getOldValue(),
                                    "new_value", updated.getNewValue());
                        }),
                define("reset_config", "Reset a setting", WRITES)
                        .description("Set a search setting back to its default value.")
                        .input(object(required("key", string("Setting key, e.g. search.max_results."))))
                        .output(object(
                                required("key", string("The setting.")),
                                required("value", string("Its default, its value now."))))
                        .answers((args, api) -> {
                            ResetConfigResponse reset = api.settings().resetConfig(
                                    ResetConfigRequest.newBuilder().setKey(args.string("key")).build());
                            return map("key", reset.getKey(), "value", reset.getValue());
                        }));
    }

    private static Map<String, Object> auditEvent(AuditEvent event) {
        return map("id", String.valueOf(event.getId()),
                "time", time(event.getTime()),
                "principal", event.getPrincipal(),
                "action", event.getAction(),
                "namespace", event.getNamespace().isEmpty() ? null : event.getNamespace(),
                "target", event.getTarget(),
                "details", event.getDetails());
    }
}
