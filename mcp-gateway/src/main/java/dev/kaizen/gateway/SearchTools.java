package dev.kaizen.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.SearchResultJson;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.TaskContextEntry;
import io.modelcontextprotocol.spec.McpSchema;

import static dev.kaizen.gateway.JsonSchemas.array;
import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.number;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.oneOf;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.JsonSchemas.strings;
import static dev.kaizen.gateway.KaizenTool.Effect.READS;
import static dev.kaizen.gateway.KaizenTool.define;
import static dev.kaizen.gateway.ToolSchemas.ID_RESULT;
import static dev.kaizen.gateway.ToolSchemas.map;

/** The search tool: the knowledge for a task, within a context budget. */
final class SearchTools {
    private static final Map<String, Object> RESULT = object(
            required("id", ID_RESULT),
            required("scope", string("Canonical name of the entry's scope.")),
            required("relevance", number("0-1, best first, by words and meaning; by words alone, 0.5 or more means "
                    + "it holds every word of a query.")),
            optional("content", string("The whole entry, when it fits the budget.")),
            optional("excerpt", string("A short part of it around a matched word, when it does not.")),
            optional("uri", string("With an excerpt: the resource that reads the entry whole.")),
            optional("match", oneOf("How it matched: 'words' (it holds words of a query), 'meaning' (its "
                    + "meaning is near a query's, whatever its words) or 'both'.", List.of("words", "meaning", "both"))));

    private SearchTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                define("get_task_context", "Get the knowledge for a task", READS)
                        .description("Before a task, find the knowledge relevant to it: several focused queries at once, "
                                + "each a question or sentence in your own words or a few keywords, over the scope and "
                                + "everything it inherits (entries past their valid_until are left out). The answer is "
                                + "one list, best first, each entry with its id, scope, relevance (0-1; 0.5 or more means "
                                + "it holds every word of a query) and content, within max_tokens: the best entries come "
                                + "whole while they fit, the rest as a short excerpt with the uri that reads it whole "
                                + "(resources/read); 'more' and 'next_offset' say how many matched beyond the answer and "
                                + "how to read on. Use the optimize_search_queries prompt to split a task into queries.")
                        .input(object(required("queries", strings("Queries: " + Rules.QUERIES_RULE + ". Ask about one "
                                        + "aspect of the task per query. Entries holding every word of a query rank first; "
                                        + "entries holding some of them follow when few hold all; rare words count more "
                                        + "than common ones; question filler ('how do we', 'please') is left out.", 1,
                                        Rules.QUERIES_MAX, string(Rules.QUERY_RULE, 1, Rules.QUERY_MAX))),
                                required("scope", string("Scope of the task: " + Rules.SCOPE_RULE + ".", Rules.SCOPE_PATTERN)),
                                optional("task_size", oneOf("Size of the task, " + Rules.TASK_SIZE_RULE + ": keeps entries "
                                        + "without a task size or with one at least this large.", Rules.TASK_SIZES)),
                                optional("max_tokens", integer("Most tokens the answer may take: " + Rules.MAX_TOKENS_RULE
                                        + ".", Rules.MAX_TOKENS_MIN, Rules.MAX_TOKENS_MAX)),
                                optional("offset", integer("Where in the ranked list the answer starts (default 0): "
                                        + "give the next_offset of an earlier answer to read on.", 0, Rules.RESULTS_MAX))))
                        .output(object(
                                required("results", array("The entries found, best first.", RESULT)),
                                required("matched", integer("How many entries the search found in all.")),
                                optional("more", integer("How many of them are not in this answer.")),
                                optional("next_offset", integer("The offset that reads on from this answer.")),
                                optional("omitted_scopes", array("Inherited scopes left out because you may not read "
                                        + "their namespace.", string("'namespace:scope'.")))))
                        .answersWithLinks((args, api) -> {
                            // knowledge-service fits the answer to the budget and reads only this page
                            GetTaskContextRequest.Builder request = GetTaskContextRequest.newBuilder()
                                    .addAllQueries(args.strings("queries")).setScope(args.string("scope"))
                                    .setMaxTokens(args.integer("max_tokens", Rules.MAX_TOKENS_DEFAULT,
                                            value -> Rules.maxTokens("max_tokens", value)))
                                    .setOffset(args.integer("offset", 0, value -> Rules.offset("offset", value)));
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            return answer(api.knowledge().getTaskContext(request.build()));
                        }));
    }

    /**
     * The answer as {@link SearchResultJson} measured it: each entry whole or as an excerpt with its
     * uri, a resource link beside each excerpt, and how to read on.
     */
    static KaizenTool.Answer answer(GetTaskContextResponse found) {
        List<Map<String, Object>> results = new ArrayList<>();
        List<McpSchema.ResourceLink> links = new ArrayList<>();
        for (TaskContextEntry entry : found.getEntriesList()) {
            Map<String, Object> result = map("id", String.valueOf(entry.getId()), "scope", entry.getScope(),
                    "relevance", SearchResultJson.relevance(entry.getRelevance()));
            if (entry.getExcerpt().isEmpty()) {
                result.put("content", entry.getContent());
            } else {
                result.put("excerpt", entry.getExcerpt());
                result.put("uri", SearchResultJson.ENTRY_URI + entry.getId());
                links.add(KaizenResources.entryLink(String.valueOf(entry.getId())));
            }
            String match = SearchResultJson.match(entry.getMatch());
            if (match != null) {
                result.put("match", match);
            }
            results.add(result);
        }
        Map<String, Object> body = map("results", results, "matched", found.getMatched());
        if (found.hasNextOffset()) {
            body.put("more", found.getMatched() - found.getNextOffset());
            body.put("next_offset", found.getNextOffset());
        }
        if (found.getOmittedScopesCount() > 0) {
            body.put("omitted_scopes", List.copyOf(found.getOmittedScopesList()));
        }
        return new KaizenTool.Answer(body, links);
    }
}
