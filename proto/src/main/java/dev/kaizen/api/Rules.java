package dev.kaizen.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Every input rule of Kaizen, written once. knowledge-service enforces them; the MCP gateway quotes
 * the same constants and descriptions in its tool schemas. A failed check throws
 * {@link RuleViolation} with a message that names the argument, says what is wrong and how to fix it.
 */
public final class Rules {
    /** Namespace and scope names: 2-64 characters of a-z, 0-9 and '-'. */
    public static final int NAME_MIN = 2;
    public static final int NAME_MAX = 64;
    public static final Pattern NAME_PATTERN = Pattern.compile("[a-z0-9-]{" + NAME_MIN + "," + NAME_MAX + "}");
    public static final String NAME_RULE = NAME_MIN + "-" + NAME_MAX + " characters of a-z, 0-9 and '-'";

    /**
     * Descriptions: 2-64 characters, not only whitespace. Characters are Unicode code points (as
     * JSON Schema's minLength and maxLength count them), and whitespace is Unicode's White_Space
     * (which includes no-break spaces and NEL) together with invisible format characters such as
     * zero-width spaces.
     */
    public static final int DESCRIPTION_MIN = 2;
    public static final int DESCRIPTION_MAX = 64;
    public static final String DESCRIPTION_RULE = DESCRIPTION_MIN + "-" + DESCRIPTION_MAX
            + " characters, not only whitespace";

    /** Every text: no NUL character and no unpaired UTF-16 surrogate, which cannot be stored faithfully. */
    public static final String TEXT_RULE = "Unicode text without NUL characters (U+0000) or unpaired surrogates";
    /** Longest part of a caller's value that a message quotes back. */
    public static final int QUOTE_MAX = 40;

    /** A scope is written canonically as namespace:scope. */
    public static final char SCOPE_SEPARATOR = ':';
    public static final Pattern SCOPE_PATTERN = Pattern.compile(NAME_PATTERN.pattern() + SCOPE_SEPARATOR
            + NAME_PATTERN.pattern());
    public static final String SCOPE_RULE = "a canonical scope name 'namespace:scope' (e.g. 'acme:frontend-team'), "
            + "both parts " + NAME_RULE;
    public static final String GLOBAL_NAMESPACE = "global";
    public static final String DEFAULT_SCOPE = "default";
    public static final String GLOBAL_DEFAULT_SCOPE = GLOBAL_NAMESPACE + SCOPE_SEPARATOR + DEFAULT_SCOPE;

    /** Knowledge content: not blank, at most 65,536 characters. */
    public static final int CONTENT_MAX = 65_536;
    public static final String CONTENT_RULE = "text that is not blank, at most " + CONTENT_MAX + " characters";

    /** Keywords of a context: 2-32 characters of a-z, 0-9 and '-'. */
    public static final int KEYWORD_MIN = 2;
    public static final int KEYWORD_MAX = 32;
    public static final Pattern KEYWORD_PATTERN = Pattern.compile("[a-z0-9-]{" + KEYWORD_MIN + "," + KEYWORD_MAX + "}");
    public static final String KEYWORD_RULE = KEYWORD_MIN + "-" + KEYWORD_MAX + " characters of a-z, 0-9 and '-'";

    /** Context: 1-20 space-separated keywords. */
    public static final int CONTEXT_KEYWORDS_MAX = 20;
    public static final String CONTEXT_RULE = "1-" + CONTEXT_KEYWORDS_MAX + " space-separated keywords, each "
            + KEYWORD_RULE;

    /**
     * Search: 1-15 queries, each text in the caller's own words (a question, a sentence or a few
     * keywords): 1-500 characters after trimming, any script, case and punctuation, with at least
     * one letter or digit.
     */
    public static final int QUERIES_MAX = 15;
    public static final int QUERY_MAX = 500;
    public static final String QUERY_RULE = "text in your own words or a few keywords, 1-" + QUERY_MAX
            + " characters with at least one letter or digit (any language, case and punctuation)";
    public static final String QUERIES_RULE = "1-" + QUERIES_MAX + " queries, each " + QUERY_RULE;

    /**
     * The context budget of a search answer, in tokens, estimated as one token per
     * {@value #CHARS_PER_TOKEN} characters of the answer's JSON.
     */
    public static final int MAX_TOKENS_MIN = 200;
    public static final int MAX_TOKENS_MAX = 200_000;
    public static final int MAX_TOKENS_DEFAULT = 4_000;
    public static final int CHARS_PER_TOKEN = 4;
    public static final String MAX_TOKENS_RULE = "a whole number from " + MAX_TOKENS_MIN + " to " + MAX_TOKENS_MAX
            + " (default " + MAX_TOKENS_DEFAULT + "; a token is counted as " + CHARS_PER_TOKEN
            + " characters of the answer's JSON)";

    /** Extra parents of a scope, as given (repeats count). */
    public static final int PARENTS_MAX = 100;

    /**
     * Knowledge ids: whole numbers of 1 to 18 digits (PostgreSQL's identity never comes near the
     * limit), given as a decimal string (as Kaizen writes them, since JSON clients lose integers past
     * 2^53) or as an integer.
     */
    public static final long ID_MIN = 1;
    public static final long ID_MAX = 999_999_999_999_999_999L;
    public static final Pattern ID_PATTERN = Pattern.compile("[1-9][0-9]{0,17}");
    public static final String ID_RULE = "a whole number from " + ID_MIN + " to " + ID_MAX + ", as Kaizen answers it";

    /** Audit events per answer. */
    public static final int AUDIT_PAGE_DEFAULT = 100;
    public static final int AUDIT_PAGE_MAX = 1000;

    public static final int HISTORY_PAGE_DEFAULT = 20;
    public static final int HISTORY_PAGE_MAX = 100;

    /** Ids per call of get_knowledge and of resolve_knowledge_conflict's suppressed list. */
    public static final int IDS_MAX = 100;
    /** Entries per ImportKnowledge batch. */
    public static final int IMPORT_BATCH_MAX = 1000;

    /** Task sizes, smallest first. */
    public static final List<String> TASK_SIZES = List.of("XS", "S", "M", "L", "XL");
    public static final String TASK_SIZE_RULE = "one of " + String.join(", ", TASK_SIZES)
            + " (smallest to largest)";

    /**
     * Timestamps an import may carry: those of protobuf's Timestamp (years 0001 to 9999, nanos
     * 0-999,999,999); PostgreSQL keeps them to the microsecond.
     */
    public static final long TIMESTAMP_SECONDS_MIN = -62_135_596_800L;
    public static final long TIMESTAMP_SECONDS_MAX = 253_402_300_799L;
    public static final String TIMESTAMP_RULE = "a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z with "
            + "nanos 0-999999999";

    /**
     * A time given as text (valid_until over MCP and in export files): RFC 3339's date-time, that is
     * with seconds and with its offset ('Z' or +hh:mm), fractions of a second to the nanosecond.
     */
    public static final Pattern TIME_PATTERN = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
            + "(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");
    public static final String TIME_RULE = "an RFC 3339 time with its offset, e.g. 2027-03-31T00:00:00Z or "
            + "2027-03-31T09:00:00+02:00";

    /**
     * valid_until, when an entry stops being true: past it, searches leave the entry out. Written or
     * changed, it must be in the future (else the entry would vanish from every search at once), and
     * at most the last second protobuf's Timestamp holds.
     */
    public static final String VALID_UNTIL_RULE = TIME_RULE + ", in the future";

    /** list_stale: entries not updated for this many days (or past their valid_until). */
    public static final int STALE_DAYS_DEFAULT = 90;
    public static final int STALE_DAYS_MAX = 3650;
    public static final String STALE_DAYS_RULE = "a whole number of days from 1 to " + STALE_DAYS_MAX + " (default "
            + STALE_DAYS_DEFAULT + ")";
    /** Entries per answer of list_stale. */
    public static final int STALE_PAGE_DEFAULT = 20;
    public static final int STALE_PAGE_MAX = 100;

    private static final Pattern INVISIBLE = Pattern.compile("[\\p{IsWhite_Space}\\p{Cf}]*");

    private Rules() {
    }

    /**
     * Checks that {@code value} can be stored and read back unchanged: no NUL character (PostgreSQL
     * text cannot hold it) and no unpaired surrogate (UTF-8, and so protobuf, cannot encode it).
     */
    public static String text(String argument, String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                throw new RuleViolation(argument, "contains a NUL character (U+0000) at position " + (i + 1)
                        + ", which cannot be stored: remove it.");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new RuleViolation(argument, "contains an unpaired UTF-16 surrogate at position " + (i + 1)
                        + " (broken Unicode), which cannot be stored: send valid Unicode text.");
            }
        }
        return value;
    }

    /** Length in characters, that is Unicode code points. */
    public static int length(String value) {
        return value.codePointCount(0, value.length());
    }

    /** Whether {@code value} holds nothing but whitespace and invisible characters. */
    public static boolean blank(String value) {
        return INVISIBLE.matcher(value).matches();
    }

    /**
     * A caller's value as a message quotes it: whole when short, else its beginning and its length.
     * Messages travel in a gRPC trailer, so they must stay short whatever the caller sent.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        int length = length(value);
        if (length <= QUOTE_MAX) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, value.offsetByCodePoints(0, QUOTE_MAX - 3)) + "...' (" + length
                + " characters)";
    }

    /** Checks a namespace name, or the scope part of a canonical scope name. */
    public static String name(String argument, String value) {
        String name = present(argument, value);
        if (!NAME_PATTERN.matcher(name).matches()) {
            throw new RuleViolation(argument, quote(name) + " is not a valid name: use " + NAME_RULE + ".");
        }
        return name;
    }

    public static String description(String argument, String value) {
        String description = text(argument, present(argument, value));
        int length = length(description);
        if (blank(description) || length < DESCRIPTION_MIN || length > DESCRIPTION_MAX) {
            throw new RuleViolation(argument, "must be " + DESCRIPTION_RULE + " (got " + length + " characters"
                    + (blank(description) ? ", all whitespace" : "") + ").");
        }
        return description;
    }

    /** Checks a canonical scope name and returns its two parts, namespace first. */
    public static String[] scope(String argument, String value) {
        String scope = present(argument, value);
        if (!SCOPE_PATTERN.matcher(scope).matches()) {
            throw new RuleViolation(argument, quote(scope) + " is not a valid scope: use " + SCOPE_RULE + ".");
        }
        int separator = scope.indexOf(SCOPE_SEPARATOR);
        return new String[] {scope.substring(0, separator), scope.substring(separator + 1)};
    }

    public static String content(String argument, String value) {
        String content = text(argument, present(argument, value));
        if (blank(content)) {
            throw new RuleViolation(argument, "is blank: give the knowledge itself as " + CONTENT_RULE + ".");
        }
        int length = length(content);
        if (length > CONTENT_MAX) {
            throw new RuleViolation(argument, "has " + length + " characters, more than the "
                    + CONTENT_MAX + " allowed: shorten it or split it into several entries.");
        }
        return content;
    }

    /** Checks a context and returns it normalised to single spaces. */
    public static String context(String argument, String value) {
        return keywords(argument, value, CONTEXT_KEYWORDS_MAX, CONTEXT_RULE);
    }

    /** Checks one search query and returns it without leading and trailing whitespace. */
    public static String query(String argument, String value) {
        String query = text(argument, present(argument, value)).strip();
        int length = length(query);
        if (length > QUERY_MAX) {
            throw new RuleViolation(argument, "has " + length + " characters, more than the " + QUERY_MAX
                    + " allowed: ask about one aspect of the task per query, and use several queries.");
        }
        if (query.codePoints().noneMatch(Character::isLetterOrDigit)) {
            throw new RuleViolation(argument, quote(query) + " has no letter or digit: give " + QUERY_RULE + ".");
        }
        return query;
    }

    public static List<String> queries(String argument, List<String> values) {
        if (values.isEmpty() || values.size() > QUERIES_MAX) {
            throw new RuleViolation(argument, "has " + values.size() + " queries: give " + QUERIES_RULE + ".");
        }
        String[] checked = new String[values.size()];
        for (int i = 0; i < checked.length; i++) {
            checked[i] = query(argument + "[" + i + "]", values.get(i));
        }
        return List.of(checked);
    }

    /** Checks the number of extra parents, as given (repeats count). */
    public static void parentCount(String argument, int count) {
        if (count > PARENTS_MAX) {
            throw new RuleViolation(argument, "has " + count + " scopes: give at most " + PARENTS_MAX + ".");
        }
    }

    /** Checks a timestamp given as seconds and nanos since the epoch. */
    public static void timestamp(String argument, long seconds, int nanos) {
        if (seconds < TIMESTAMP_SECONDS_MIN || seconds > TIMESTAMP_SECONDS_MAX || nanos < 0 || nanos > 999_999_999) {
            throw new RuleViolation(argument, "(seconds " + seconds + ", nanos " + nanos + ") is out of range: give "
                    + TIMESTAMP_RULE + ", or leave it out for the time of the import.");
        }
    }

    /** Reads a time written as {@link #TIME_RULE}. */
    public static Instant time(String argument, String value) {
        String text = text(argument, present(argument, value));
        if (TIME_PATTERN.matcher(text).matches()) {
            try {
                return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                // a month 13, a February 30th, an offset past 18 hours: the same answer as any other non-time
            }
        }
        throw new RuleViolation(argument, quote(text) + " is not a time: give " + TIME_RULE + ".");
    }

    /**
     * Checks a valid_until given as seconds and nanos since the epoch (as protobuf's Timestamp holds
     * it): see {@link #VALID_UNTIL_RULE}. {@code now} is the time it must be after, or null where a
     * valid_until is kept as it was, past or not (an import).
     */
    public static Instant validUntil(String argument, long seconds, int nanos, Instant now) {
        if (seconds < TIMESTAMP_SECONDS_MIN || seconds > TIMESTAMP_SECONDS_MAX || nanos < 0 || nanos > 999_999_999) {
            boolean instant = seconds >= Instant.MIN.getEpochSecond() && seconds <= Instant.MAX.getEpochSecond()
                    && nanos >= 0 && nanos <= 999_999_999;
            throw new RuleViolation(argument, (instant ? Instant.ofEpochSecond(seconds, nanos).toString()
                    : "(seconds " + seconds + ", nanos " + nanos + ")") + " is out of range: give a time up to "
                    + "9999-12-31T23:59:59Z.");
        }
        Instant time = Instant.ofEpochSecond(seconds, nanos);
        if (now != null && !time.isAfter(now)) {
            throw new RuleViolation(argument, time + " is not in the future: past its valid_until an entry is left out of "
                    + "every search, so it would vanish at once. Give a later time, leave valid_until out for knowledge "
                    + "that does not expire, or delete the entry to retire it (its history keeps it).");
        }
        return time;
    }

    /** A position in list_stale's list: after the entry last updated at {@code updateTime} with id {@code id}. */
    public record StalePosition(Instant updateTime, long id) {
        /** As answers write it, and {@link #stalePosition} reads it: {@code <update time, RFC 3339>/<id>}. */
        @Override
        public String toString() {
            return updateTime + "/" + id;
        }
    }

    /** Reads a position of list_stale's list, as an earlier answer wrote it. */
    public static StalePosition stalePosition(String argument, String value) {
        String text = text(argument, present(argument, value));
        int slash = text.lastIndexOf('/');
        if (slash > 0 && ID_PATTERN.matcher(text.substring(slash + 1)).matches()) {
            try {
                return new StalePosition(Instant.parse(text.substring(0, slash)), Long.parseLong(text.substring(slash + 1)));
            } catch (DateTimeParseException e) {
                // answered below, as any other text that is not a position
            }
        }
        throw new RuleViolation(argument, quote(text) + " is not a position in the list: give the next_after of an "
                + "earlier answer, or leave it out to start at the oldest entry.");
    }

    /** Checks the age in days that makes an entry stale. */
    public static int staleDays(String argument, long days) {
        if (days < 1 || days > STALE_DAYS_MAX) {
            throw new RuleViolation(argument, days + " is out of range: give " + STALE_DAYS_RULE + ".");
        }
        return (int) days;
    }

    /** Checks the number of stale entries asked for. */
    public static int stalePageSize(String argument, long size) {
        if (size < 1 || size > STALE_PAGE_MAX) {
            throw new RuleViolation(argument, size + " is out of range: give 1-" + STALE_PAGE_MAX + ".");
        }
        return (int) size;
    }

    /** Most results one search answers (the range of search.max_results). */
    public static final int RESULTS_MAX = 1000;

    /** Checks a position in a ranked list of results. */
    public static int offset(String argument, long offset) {
        if (offset < 0 || offset > RESULTS_MAX) {
            throw new RuleViolation(argument, offset + " is out of range: give 0-" + RESULTS_MAX
                    + ", e.g. the next_offset of an earlier answer.");
        }
        return (int) offset;
    }

    /** Checks a context budget in tokens. */
    public static int maxTokens(String argument, long tokens) {
        if (tokens < MAX_TOKENS_MIN || tokens > MAX_TOKENS_MAX) {
            throw new RuleViolation(argument, tokens + " is out of range: give " + MAX_TOKENS_RULE + ".");
        }
        return (int) tokens;
    }

    /** Checks the number of audit events asked for. */
    public static int auditPageSize(String argument, long size) {
        if (size < 1 || size > AUDIT_PAGE_MAX) {
            throw new RuleViolation(argument, size + " is out of range: give 1-" + AUDIT_PAGE_MAX + ".");
        }
        return (int) size;
    }

    public static int historyPageSize(String argument, long size) {
        if (size < 1 || size > HISTORY_PAGE_MAX) {
            throw new RuleViolation(argument, size + " is out of range: give 1-" + HISTORY_PAGE_MAX + ".");
        }
        return (int) size;
    }

    /** A version number of an entry's history: 1 or more. */
    public static int version(String argument, long version) {
        if (version < 1 || version > Integer.MAX_VALUE) {
            throw new RuleViolation(argument, version + " is not a version number: give a version of the entry's "
                    + "history (1 or more), as get_knowledge_history lists them.");
        }
        return (int) version;
    }

    /** Checks the number of ids of a batch argument. */
    public static void idCount(String argument, int count, int max) {
        if (count < 1 || count > max) {
            throw new RuleViolation(argument, "has " + count + " ids: give 1-" + max + " ids.");
        }
    }

    /** Checks a knowledge id. */
    public static long id(String argument, long id) {
        if (id < ID_MIN || id > ID_MAX) {
            throw notAnId(argument, String.valueOf(id));
        }
        return id;
    }

    /** Checks a knowledge id written as text: exactly {@link #ID_PATTERN}, no sign, space or leading zero. */
    public static long id(String argument, String text) {
        if (text == null || !ID_PATTERN.matcher(text).matches()) {
            throw notAnId(argument, quote(text));
        }
        return Long.parseLong(text);
    }

    private static RuleViolation notAnId(String argument, String value) {
        return new RuleViolation(argument, value + " is not a valid id: give " + ID_RULE + ".");
    }

    private static String keywords(String argument, String value, int max, String rule) {
        String text = present(argument, value).strip();
        String[] words = text.isEmpty() ? new String[0] : text.split("\\s+");
        if (words.length == 0 || words.length > max) {
            throw new RuleViolation(argument, "has " + words.length + " keywords: give " + rule + ".");
        }
        for (String word : words) {
            if (!KEYWORD_PATTERN.matcher(word).matches()) {
                throw new RuleViolation(argument, "keyword " + quote(word) + " is not valid: each keyword is "
                        + KEYWORD_RULE + " (lower case, no punctuation).");
            }
        }
        return String.join(" ", Arrays.asList(words));
    }

    private static String present(String argument, String value) {
        if (value == null || value.isEmpty()) {
            throw new RuleViolation(argument, "is missing: it is required.");
        }
        return value;
    }
}
