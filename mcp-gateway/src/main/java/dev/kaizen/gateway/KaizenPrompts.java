package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import io.modelcontextprotocol.spec.McpSchema;

/** The two prompts of the product contract: how to write findable knowledge and how to search for it. */
final class KaizenPrompts {
    static final McpSchema.Prompt OPTIMIZE_KNOWLEDGE_ENTRY = McpSchema.Prompt.builder("optimize_knowledge_entry")
            .title("Write a findable knowledge entry")
            .description("How to write the content and context of a knowledge entry so that future searches find it.")
            .arguments(List.of(McpSchema.PromptArgument.builder("draft")
                    .description("The knowledge you want to store, in your own words (optional).")
                    .required(false).build()))
            .build();

    static final McpSchema.Prompt OPTIMIZE_SEARCH_QUERIES = McpSchema.Prompt.builder("optimize_search_queries")
            .title("Split a task into search queries")
            .description("How to split a task into 2-5 focused queries for get_task_context.")
            .arguments(List.of(McpSchema.PromptArgument.builder("task")
                            .description("The task you are about to do (optional).")
                            .required(false).build(),
                    McpSchema.PromptArgument.builder("scope")
                            .description("The scope of the task, 'namespace:scope' (optional; completions list them).")
                            .required(false).build()))
            .build();

    private KaizenPrompts() {
    }

    static List<McpSchema.Prompt> all() {
        return List.of(OPTIMIZE_KNOWLEDGE_ENTRY, OPTIMIZE_SEARCH_QUERIES);
    }

    static McpSchema.GetPromptResult get(McpSchema.GetPromptRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        if (OPTIMIZE_KNOWLEDGE_ENTRY.name().equals(request.name())) {
            return result(OPTIMIZE_KNOWLEDGE_ENTRY, """
                    Write one Kaizen knowledge entry for write_knowledge.

                    First look for it: search get_task_context in the target scope with the entry's key words.
                    If an entry already says it, or says it in part, change that entry with update_knowledge
                    (better words, what you learned since) instead of adding a near-copy that future searches
                    must rank twice. write_knowledge lists the entries of the scope and its ancestors that say
                    nearly the same thing in its result (similar); with if_similar 'skip' it writes only when
                    there are none and otherwise answers with the closest one, to update.

                    content: one hard fact - a rule, convention or lesson learned - stated so it stands alone:
                    the fact itself in the first sentence (searches weigh it next to the context), then where it
                    applies and why, in a few plain sentences. One fact per entry; split a list of unrelated facts
                    into several entries. Name the tools, files, APIs and error messages it concerns with the
                    exact words people will search for. At most %d characters.

                    context: %s. Searches weigh these keywords most, and entries holding every word of a query
                    rank first, so choose the words a future task would use: the technology, the component, the
                    kind of work (e.g. "postgres migration locking deploy"). Prefer concrete nouns over
                    adjectives; include synonyms people use.

                    task_size: set it (%s) only if the entry matters just from that task size up; leave it
                    out when it applies to every task.

                    valid_until: set it (%s) when the fact holds only until a known time - a release,
                    a deadline, the end of a migration. After it, searches leave the entry out, and list_stale
                    lists it for review; leave it out for lasting knowledge.

                    scope: the narrowest scope whose tasks need it; knowledge in a parent scope reaches all
                    its children, and global:default reaches everyone.
                    """.formatted(Rules.CONTENT_MAX, Rules.CONTEXT_RULE, Rules.TASK_SIZE_RULE, Rules.TIME_RULE)
                    + draft("Entry to rewrite", arguments.get("draft")));
        }
        if (OPTIMIZE_SEARCH_QUERIES.name().equals(request.name())) {
            return result(OPTIMIZE_SEARCH_QUERIES, """
                    Split the task into 2-5 focused queries for get_task_context.

                    Each query is %s. Ask about one aspect of the task per query, as a short question or a few
                    keywords: the technology ("postgres index"), the component ("how is the billing api
                    versioned?"), the kind of change ("schema migration"), the risk ("concurrency locking").
                    Entries holding every word of a query rank first (relevance 0.5 or more); entries holding
                    only some follow when few hold all; rare words count more than common ones, and question
                    filler ("how do we", "please") is left out. Several focused queries find more than one long
                    one: an entry counts with its best query, and the answer is one list, best first, each entry
                    with its scope. Use
                    the scope of the task (e.g. 'acme:frontend-team') and, if known, its task_size (%s) to leave
                    out entries meant for bigger tasks.

                    The answer fits max_tokens (default %d): the best entries come whole, the rest as excerpts
                    with a uri (kaizen://knowledge/<id>) to read whole with resources/read when one matters;
                    'more' says how many matched beyond the answer and next_offset reads on. Ask for a smaller
                    budget for a quick look, a larger one before a big change.
                    """.formatted(Rules.QUERY_RULE, Rules.TASK_SIZE_RULE, Rules.MAX_TOKENS_DEFAULT)
                    + draft("Task", arguments.get("task")) + draft("Scope", arguments.get("scope")));
        }
        throw new IllegalArgumentException("unknown prompt " + request.name());
    }

    private static String draft(String label, Object value) {
        return value == null || value.toString().isBlank() ? "" : "\n" + label + ":\n" + value + "\n";
    }

    private static McpSchema.GetPromptResult result(McpSchema.Prompt prompt, String text) {
        return McpSchema.GetPromptResult.builder(List.of(McpSchema.PromptMessage.builder(McpSchema.Role.USER,
                        McpSchema.TextContent.builder(text).build()).build()))
                .description(prompt.description())
                .build();
    }
}
