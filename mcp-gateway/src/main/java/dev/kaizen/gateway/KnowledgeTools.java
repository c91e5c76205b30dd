package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.IfSimilar;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.ListStaleKnowledgeRequest;
import dev.kaizen.api.v1.ListStaleKnowledgeResponse;
import dev.kaizen.api.v1.PurgeKnowledgeRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictResponse;
import dev.kaizen.api.v1.RestoreKnowledgeRequest;
import dev.kaizen.api.v1.RestoreKnowledgeResponse;
import dev.kaizen.api.v1.StaleKnowledgeEntry;
import dev.kaizen.api.v1.StaleReason;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.UpdateKnowledgeResponse;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;

import static dev.kaizen.gateway.JsonSchemas.array;
import static dev.kaizen.gateway.JsonSchemas.bool;
import static dev.kaizen.gateway.JsonSchemas.id;
import static dev.kaizen.gateway.JsonSchemas.ids;
import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.nullableOneOf;
import static dev.kaizen.gateway.JsonSchemas.number;
import static dev.kaizen.gateway.JsonSchemas.nullableString;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.oneOf;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.JsonSchemas.dateTime;
import static dev.kaizen.gateway.KaizenTool.Effect.DESTROYS;
import static dev.kaizen.gateway.KaizenTool.Effect.READS;
import static dev.kaizen.gateway.KaizenTool.Effect.WRITES;
import static dev.kaizen.gateway.KaizenTool.define;
import static dev.kaizen.gateway.ToolSchemas.ID;
import static dev.kaizen.gateway.ToolSchemas.ID_RESULT;
import static dev.kaizen.gateway.ToolSchemas.SCOPE;
import static dev.kaizen.gateway.ToolSchemas.map;
import static dev.kaizen.gateway.ToolSchemas.time;

/**
 * The knowledge tools: write, update, delete and read entries, resolve conflicts among them, read
 * and restore their history, and list those due for review.
 */
final class KnowledgeTools {
    private static final List<String> IF_SIMILAR = List.of("write", "skip");
    private static final String CONTENT = "The knowledge itself (a rule, convention or lesson learned): "
            + Rules.CONTENT_RULE + ".";
    private static final String CONTEXT = "Keywords that search weighs most: " + Rules.CONTEXT_RULE + ".";
    private static final String TASK_SIZE = "Smallest task size the entry is for, " + Rules.TASK_SIZE_RULE
            + "; leave out for entries that apply to every task size.";
    private static final String VALID_UNTIL = "When the entry stops being true (the end of a release, a deadline, a "
            + "migration's last day): " + Rules.VALID_UNTIL_RULE + ". After it, get_task_context leaves the entry out; "
            + "get_knowledge still shows it (expired: true) and list_stale lists it for review.";
    private static final Map<String, Object> VALID_UNTIL_RESULT = nullableString("When it stops being true, RFC 3339; "
            + "null: it does not expire.");
    private static final Map<String, Object> WRITTEN = object(
            required("id", ID_RESULT), required("scope", string("Canonical name of the entry's scope.")));
    private static final Map<String, Object> ENTRY = object(
            required("id", ID_RESULT),
            required("scope", string("Canonical name of the entry's scope.")),
            required("content", string("The knowledge itself.")),
            required("context", string("Its keywords.")),
            required("task_size", nullableString("Smallest task size it is for, " + Rules.TASK_SIZE_RULE
                    + "; null for every size.")),
            required("suppressed", bool("Whether a conflict resolution hides it from searches.")),
            required("create_time", string("When it was written, RFC 3339.")),
            required("update_time", string("When it last changed, RFC 3339.")),
            required("created_by", string("Who wrote it (empty for entries older than attribution).")),
            required("updated_by", string("Who last changed it.")),
            required("valid_until", VALID_UNTIL_RESULT),
            required("expired", bool("Whether valid_until has passed: searches leave the entry out.")));
    private static final Map<String, Object> VERSION = object(
            required("version", integer("Its number, from 1 for the entry's first.")),
            required("action", string("What made it: write, update, resolve_conflict, import, restore, delete, "
                    + "delete_scope or delete_namespace (the entry as it was when deleted), baseline (its state when "
                    + "history began).")),
            required("principal", string("Who.")),
            required("time", string("When, RFC 3339.")),
            required("scope", string("Canonical name of the scope the entry was in.")),
            required("content", string("The content then.")),
            required("context", string("The context then.")),
            required("task_size", nullableString("The task size then, " + Rules.TASK_SIZE_RULE + "; null for every size.")),
            required("suppressed", bool("Whether a conflict resolution hid it then.")),
            required("valid_until", nullableString("Its valid_until then, RFC 3339; null: it did not expire.")));
    private static final Map<String, Object> STALE_ENTRY = object(
            required("id", ID_RESULT),
            required("scope", string("Canonical name of the entry's scope.")),
            required("excerpt", string("The beginning of its content; get_knowledge reads it whole.")),
            required("context", string("Its keywords.")),
            required("update_time", string("When it last changed, RFC 3339.")),
            required("updated_by", string("Who last changed it.")),
            required("valid_until", VALID_UNTIL_RESULT),
            required("reason", oneOf("Why it is listed: 'expired' (past its valid_until: searches leave it out) or "
                    + "'not_updated' (not changed for the days asked).", List.of("expired", "not_updated"))));

    private KnowledgeTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                define("write_knowledge", "Write a knowledge entry", WRITES)
                        .description("Store a knowledge entry (a hard fact: rule, convention, lesson learned) in a scope, "
                                + "where every scope inheriting from it will find it. The result lists entries of the "
                                + "scope and its ancestors that say nearly the same thing (similar): update one of them "
                                + "with update_knowledge rather than keep two; if_similar 'skip' writes only when there "
                                + "is none. Use the optimize_knowledge_entry prompt to write content and context that "
                                + "searches find.")
                        .input(object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN)),
                                required("content", string(CONTENT, 1, Rules.CONTENT_MAX)),
                                required("context", string(CONTEXT)),
                                optional("task_size", oneOf(TASK_SIZE, Rules.TASK_SIZES)),
                                optional("if_similar", oneOf("What to do when entries of the scope or its ancestors say "
                                        + "nearly the same thing: 'write' (default) writes and lists them in similar; "
                                        + "'skip' does not write and answers with the closest one (written false).",
                                        IF_SIMILAR)),
                                optional("valid_until", dateTime(VALID_UNTIL + " Leave out for knowledge that does not "
                                        + "expire.", false))))
                        .output(object(required("id", string("Id of the new entry; with if_similar 'skip' and a "
                                        + "near-duplicate found, of the closest near-duplicate. A decimal string.")),
                                required("scope", string("Canonical name of that entry's scope.")),
                                required("written", bool("Whether the entry was written: false only with if_similar "
                                        + "'skip' and a near-duplicate found.")),
                                required("similar", array("Entries that say nearly the same thing, closest first "
                                        + "(possibly none).", object(required("id", ID_RESULT),
                                        required("scope", string("Canonical name of its scope.")),
                                        required("similarity", number("Share of words the two contents have in "
                                                + "common, 0-1 (1: the same words).")))))))
                        .answers((args, api) -> {
                            WriteKnowledgeRequest.Builder request = WriteKnowledgeRequest.newBuilder()
                                    .setScope(args.string("scope")).setContent(args.string("content"))
                                    .setContext(args.string("context"))
                                    .setIfSimilar(ifSimilar(args.optionalString("if_similar").orElse("write")));
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            args.time("valid_until").ifPresent(request::setValidUntil);
                            WriteKnowledgeResponse written = api.knowledge().writeKnowledge(request.build());
                            return map("id", String.valueOf(written.getId()), "scope", written.getScope(),
                                    "written", written.getWritten(), "similar", written.getSimilarList().stream()
                                            .map(similar -> map("id", String.valueOf(similar.getId()),
                                                    "scope", similar.getScope(),
                                                    "similarity", Math.round(similar.getSimilarity() * 1000) / 1000.0))
                                            .toList());
                        }),
                define("update_knowledge", "Update a knowledge entry", WRITES)
                        .description("Change an entry's content, context, scope, task size and/or valid_until (give at "
                                + "least one). Any change takes the entry off list_stale; to confirm an entry that is "
                                + "still right, give it a new valid_until or its context again.")
                        .input(object(required("id", id(ID)),
                                optional("content", string("New content: " + Rules.CONTENT_RULE + ".", 1, Rules.CONTENT_MAX)),
                                optional("context", string("New context: " + Rules.CONTEXT_RULE + ".")),
                                optional("scope", string("Scope to move the entry to: " + Rules.SCOPE_RULE + ".",
                                        Rules.SCOPE_PATTERN)),
                                optional("task_size", nullableOneOf("New task size, " + Rules.TASK_SIZE_RULE
                                        + "; null removes the task size.", Rules.TASK_SIZES)),
                                optional("valid_until", dateTime("New valid_until. " + VALID_UNTIL + " null removes it: the "
                                        + "entry no longer expires. To retire an entry now, delete it (its history keeps it).",
                                        true))))
                        .output(WRITTEN)
                        .answers((args, api) -> {
                            UpdateKnowledgeRequest.Builder request = UpdateKnowledgeRequest.newBuilder().setId(args.id("id"));
                            args.optionalString("content").ifPresent(request::setContent);
                            args.optionalString("context").ifPresent(request::setContext);
                            args.optionalString("scope").ifPresent(request::setScope);
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            if (args.has("valid_until")) {
                                args.time("valid_until").ifPresentOrElse(request::setValidUntil,
                                        () -> request.setClearValidUntil(true));
                            }
                            UpdateKnowledgeResponse updated = api.knowledge().updateKnowledge(request.build());
                            return map("id", String.valueOf(updated.getId()), "scope", updated.getScope());
                        }),
                define("delete_knowledge", "Delete a knowledge entry", DESTROYS)
                        .description("Delete one knowledge entry by id.")
                        .input(object(required("id", id(ID))))
                        .output(object(required("id", ID_RESULT)))
                        .answers((args, api) -> map("id", String.valueOf(api.knowledge().deleteKnowledge(
                                DeleteKnowledgeRequest.newBuilder().setId(args.id("id")).build()).getId()))),
                define("get_knowledge", "Get knowledge entries by id", READS)
                        .description("Read whole knowledge entries by id, in the order asked; an entry past its "
                                + "valid_until is shown with expired: true (searches leave it out).")
                        .input(object(required("ids", ids("1-" + Rules.IDS_MAX + " knowledge ids, each " + Rules.ID_RULE
                                + ".", Rules.IDS_MAX))))
                        .output(object(required("entries", array("The entries, in the order asked.", ENTRY))))
                        .answers((args, api) -> map("entries", api.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder()
                                .addAllIds(args.ids("ids")).build()).getEntriesList().stream().map(KnowledgeTools::entry)
                                .toList())),
                define("resolve_knowledge_conflict", "Resolve a knowledge conflict", WRITES)
                        .description("When entries contradict each other, keep one active and hide the others from every "
                                + "search from now on; the decision is kept as an audit record.")
                        .input(object(required("active_id", id("The entry that stays: " + ID)),
                                required("suppressed_ids", ids("1-" + Rules.IDS_MAX + " entries to hide, not "
                                        + "including active_id; each " + Rules.ID_RULE + ".", Rules.IDS_MAX))))
                        .output(object(
                                required("active_id", ID_RESULT),
                                required("suppressed_ids", array("The entries now hidden.", ID_RESULT))))
                        .answers((args, api) -> {
                            ResolveKnowledgeConflictResponse resolved = api.knowledge().resolveKnowledgeConflict(
                                    ResolveKnowledgeConflictRequest.newBuilder().setActiveId(args.id("active_id"))
                                            .addAllSuppressedIds(args.ids("suppressed_ids")).build());
                            return map("active_id", String.valueOf(resolved.getActiveId()), "suppressed_ids",
                                    resolved.getSuppressedIdsList().stream().map(String::valueOf).toList());
                        }),
                define("get_knowledge_history", "Get a knowledge entry's history", READS)
                        .description("Every version of an entry, newest first: what it said, where, who changed it, when "
                                + "and how; also for an entry that was deleted (with its scope or namespace too). Use "
                                + "restore_knowledge to bring a version back.")
                        .input(object(required("id", id(ID + " A deleted entry's id works too.")),
                                optional("limit", integer("Most versions to answer (default " + Rules.HISTORY_PAGE_DEFAULT
                                        + ").", 1, Rules.HISTORY_PAGE_MAX)),
                                optional("before_version", integer("Only versions older than this one: the "
                                        + "next_before_version of an earlier answer.", 1, Integer.MAX_VALUE))))
                        .output(object(
                                required("id", ID_RESULT),
                                required("deleted", bool("Whether the entry is deleted now.")),
                                required("versions", array("The versions, newest first.", VERSION)),
                                optional("next_before_version", integer("The before_version that reads on to older "
                                        + "versions."))))
                        .answers((args, api) -> {
                            GetKnowledgeHistoryRequest.Builder request = GetKnowledgeHistoryRequest.newBuilder()
                                    .setId(args.id("id"))
                                    .setPageSize(args.integer("limit", Rules.HISTORY_PAGE_DEFAULT,
                                            value -> Rules.historyPageSize("limit", value)));
                            if (args.has("before_version")) {
                                request.setBeforeVersion(args.integer("before_version", 0,
                                        value -> Rules.version("before_version", value)));
                            }
                            GetKnowledgeHistoryResponse history = api.knowledge().getKnowledgeHistory(request.build());
                            Map<String, Object> result = map("id", String.valueOf(request.getId()),
                                    "deleted", history.getDeleted(),
                                    "versions", history.getVersionsList().stream().map(KnowledgeTools::version).toList());
                            if (history.getNextPageBeforeVersion() != 0) {
                                result.put("next_before_version", history.getNextPageBeforeVersion());
                            }
                            return result;
                        }),
                define("restore_knowledge", "Restore a knowledge entry", WRITES)
                        .description("Bring a deleted entry back under its id (as it was when deleted, or as an earlier "
                                + "version), or make an earlier version of an entry current again. Either way it is a "
                                + "new version: history is never rewritten. If the entry's scope no longer exists, give "
                                + "scope.")
                        .input(object(required("id", id(ID + " A deleted entry's id works too.")),
                                optional("version", integer("The version to bring back (get_knowledge_history lists "
                                        + "them); required for an entry that exists; default for a deleted entry: as "
                                        + "it was when deleted.", 1, Integer.MAX_VALUE)),
                                optional("scope", string("Scope to restore the entry into, instead of the version's: "
                                        + Rules.SCOPE_RULE + ".", Rules.SCOPE_PATTERN))))
                        .output(object(
                                required("id", ID_RESULT),
                                required("scope", string("Canonical name of the entry's scope now.")),
                                required("version", integer("The new version the restore made.")),
                                required("restored_version", integer("The version whose state it brought back."))))
                        .answers((args, api) -> {
                            RestoreKnowledgeRequest.Builder request = RestoreKnowledgeRequest.newBuilder().setId(args.id("id"));
                            if (args.has("version")) {
                                request.setVersion(args.integer("version", 0, value -> Rules.version("version", value)));
                            }
                            args.optionalString("scope").ifPresent(request::setScope);
                            RestoreKnowledgeResponse restored = api.knowledge().restoreKnowledge(request.build());
                            return map("id", String.valueOf(restored.getId()), "scope", restored.getScope(),
                                    "version", restored.getVersion(), "restored_version", restored.getRestoredVersion());
                        }),
                define("purge_knowledge", "Purge knowledge for good", DESTROYS)
                        .description("Remove entries for real, for legal deletion: each entry (if it exists) and every "
                                + "version of it; restore_knowledge can no longer bring them back. Audited, without "
                                + "content. Needs the server-wide admin grant. Purging again removes nothing more.")
                        .input(object(required("ids", ids("1-" + Rules.IDS_MAX + " knowledge ids, each " + Rules.ID_RULE
                                + "; deleted entries' ids work too.", Rules.IDS_MAX))))
                        .output(object(required("purged", array("One item per id, in the order asked.", object(
                                required("id", ID_RESULT),
                                required("entry_removed", bool("Whether the entry existed and was removed.")),
                                required("versions_removed", integer("How many of its versions were removed.")))))))
                        .answers((args, api) -> map("purged", api.knowledge().purgeKnowledge(PurgeKnowledgeRequest
                                        .newBuilder().addAllIds(args.ids("ids")).build()).getPurgedList().stream()
                                .map(purged -> map("id", String.valueOf(purged.getId()), "entry_removed",
                                        purged.getEntryRemoved(), "versions_removed", purged.getVersionsRemoved()))
                                .toList())),
                define("list_stale", "List knowledge due for review", READS)
                        .description("The entries of one scope (not the scopes it inherits from) that may no longer hold: "
                                + "not updated for days (default " + Rules.STALE_DAYS_DEFAULT + "), or past their "
                                + "valid_until (searches leave those out), oldest update first, with why each is listed. "
                                + "Review each: update_knowledge to correct or confirm it (any update takes it off the "
                                + "list), delete_knowledge to retire it; get_knowledge reads one whole.")
                        .input(object(required("scope", string("The scope to review: " + Rules.SCOPE_RULE + ".",
                                        Rules.SCOPE_PATTERN)),
                                optional("days", integer("List entries not updated for this many days: "
                                        + Rules.STALE_DAYS_RULE + ". Expired entries are listed whatever their age.", 1,
                                        Rules.STALE_DAYS_MAX)),
                                optional("limit", integer("Most entries to answer (default " + Rules.STALE_PAGE_DEFAULT
                                        + ").", 1, Rules.STALE_PAGE_MAX)),
                                optional("after", string("Only entries after this position in the list: the next_after "
                                        + "of an earlier answer."))))
                        .output(object(
                                required("entries", array("The entries, oldest update first.", STALE_ENTRY)),
                                optional("next_after", string("The after that reads on to more entries."))))
                        .answers((args, api) -> {
                            ListStaleKnowledgeRequest.Builder request = ListStaleKnowledgeRequest.newBuilder()
                                    .setScope(args.string("scope"))
                                    .setDays(args.integer("days", Rules.STALE_DAYS_DEFAULT,
                                            value -> Rules.staleDays("days", value)))
                                    .setPageSize(args.integer("limit", Rules.STALE_PAGE_DEFAULT,
                                            value -> Rules.stalePageSize("limit", value)));
                            args.optionalString("after").ifPresent(request::setAfter);
                            ListStaleKnowledgeResponse stale = api.knowledge().listStaleKnowledge(request.build());
                            Map<String, Object> result = map("entries",
                                    stale.getEntriesList().stream().map(KnowledgeTools::staleEntry).toList());
                            if (!stale.getNextPageAfter().isEmpty()) {
                                result.put("next_after", stale.getNextPageAfter());
                            }
                            return result;
                        }));
    }

    /** An entry due for review, as list_stale shows it. */
    private static Map<String, Object> staleEntry(StaleKnowledgeEntry entry) {
        return map("id", String.valueOf(entry.getId()),
                "scope", entry.getScope(),
                "excerpt", entry.getExcerpt(),
                "context", entry.getContext(),
                "update_time", time(entry.getUpdateTime()),
                "updated_by", entry.getUpdatedBy(),
                "valid_until", entry.hasValidUntil() ? time(entry.getValidUntil()) : null,
                "reason", entry.getReason() == StaleReason.STALE_REASON_EXPIRED ? "expired" : "not_updated");
    }

    /** A version of an entry, as get_knowledge_history shows it. */
    private static Map<String, Object> version(KnowledgeVersion version) {
        return map("version", version.getVersion(),
                "action", version.getAction(),
                "principal", version.getPrincipal(),
                "time", time(version.getTime()),
                "scope", version.getScope(),
                "content", version.getContent(),
                "context", version.getContext(),
                "task_size", version.getTaskSize() == TaskSize.TASK_SIZE_UNSPECIFIED ? null
                        : version.getTaskSize().name().substring("TASK_SIZE_".length()),
                "suppressed", version.getSuppressed(),
                "valid_until", version.hasValidUntil() ? time(version.getValidUntil()) : null);
    }

    /** An entry, whole, as get_knowledge and its resource show it. */
    static Map<String, Object> entry(KnowledgeEntry entry) {
        return map("id", String.valueOf(entry.getId()),
                "scope", entry.getScope(),
                "content", entry.getContent(),
                "context", entry.getContext(),
                "task_size", entry.getTaskSize() == TaskSize.TASK_SIZE_UNSPECIFIED ? null
                        : entry.getTaskSize().name().substring("TASK_SIZE_".length()),
                "suppressed", entry.getSuppressed(),
                "create_time", time(entry.getCreateTime()),
                "update_time", time(entry.getUpdateTime()),
                "created_by", entry.getCreatedBy(),
                "updated_by", entry.getUpdatedBy(),
                "valid_until", entry.hasValidUntil() ? time(entry.getValidUntil()) : null,
                "expired", entry.getExpired());
    }

    private static IfSimilar ifSimilar(String value) {
        return switch (value) {
            case "write" -> IfSimilar.IF_SIMILAR_WRITE;
            case "skip" -> IfSimilar.IF_SIMILAR_SKIP;
            default -> throw new ToolRefusal("if_similar " + Rules.quote(value) + " is not known: use 'write' or 'skip'.");
        };
    }
}
