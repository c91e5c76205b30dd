package dev.kaizen.api;

import dev.kaizen.api.v1.Match;
import dev.kaizen.api.v1.TaskContextEntry;

/**
 * How the MCP tool get_task_context writes one search result and its answer, measured in characters
 * of JSON: knowledge-service fits an answer to its budget by these measures ({@link Rules#CHARS_PER_TOKEN}
 * characters a token), and the gateway writes exactly what was measured. A result is
 * {@code {"id":"42","scope":"acme:web","relevance":0.873,"content":"..."[,"uri":"kaizen://knowledge/42"],"match":"words"}},
 * with {@code excerpt} in place of {@code content} for an entry that does not fit whole, and each
 * excerpt beside it a resource link that reads the entry whole.
 */
public final class SearchResultJson {
    /** URI of an entry as an MCP resource. */
    public static final String ENTRY_URI = "kaizen://knowledge/";
    /** About how many characters an excerpt has (cut at spaces, "..." where text is left out). */
    public static final int EXCERPT_CHARS = 240;
    /** What a resource link beside the JSON costs, at most: its URI, name and description. */
    public static final int LINK_CHARS = 120;
    /** The JSON around the results: {"results":[],"matched":..,"more":..,"next_offset":..}. */
    public static final int ENVELOPE_CHARS = 80;

    private SearchResultJson() {
    }

    /** Relevance as an answer shows it: three decimals are all the precision it means. */
    public static double relevance(double relevance) {
        return Math.round(relevance * 1000) / 1000.0;
    }

    /** How a match is named in an answer; null when it is not reported. */
    public static String match(Match match) {
        return switch (match) {
            case MATCH_WORDS -> "words";
            case MATCH_MEANING -> "meaning";
            case MATCH_BOTH -> "both";
            default -> null;
        };
    }

    /**
     * The characters {@code entry} takes in an answer, with the comma that separates it from the
     * next, and for an excerpt its uri and its resource link: with its content whole, or, when
     * {@code excerpt} is not null, with that excerpt instead.
     */
    public static int chars(TaskContextEntry entry, String excerpt) {
        String id = String.valueOf(entry.getId());
        int chars = "{\"id\":".length() + string(id) + ",\"scope\":".length() + string(entry.getScope())
                + ",\"relevance\":".length() + Double.toString(relevance(entry.getRelevance())).length()
                + (excerpt == null ? ",\"content\":".length() + string(entry.getContent())
                        : ",\"excerpt\":".length() + string(excerpt) + ",\"uri\":".length() + string(ENTRY_URI + id))
                + "}".length() + ",".length();
        String match = match(entry.getMatch());
        if (match != null) {
            chars += ",\"match\":".length() + string(match);
        }
        return chars + (excerpt == null ? 0 : LINK_CHARS);
    }

    /** The length of {@code text} as a JSON string, quotes included, escaped as Jackson escapes it. */
    static int string(String text) {
        int chars = 2;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                chars += 2;
            } else if (c < 0x20) {
                chars += 6;
            } else {
                chars++;
            }
        }
        return chars;
    }
}
