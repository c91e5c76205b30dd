package dev.kaizen.api;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The input rules on their own: no server, milliseconds. */
class RulesTest {

    private static String refused(Runnable check) {
        return assertThrows(RuleViolation.class, check::run).getMessage();
    }

    @Test
    void namesAreTwoToSixtyFourLowerCaseLettersDigitsAndDashes() {
        assertEquals("acme-2", Rules.name("name", "acme-2"));
        for (String bad : List.of("a", "Acme", "acme corp", "a".repeat(65), "café", "ａｃｍｅ")) {
            assertTrue(refused(() -> Rules.name("name", bad)).startsWith("name "), bad);
        }
        assertEquals("name is missing: it is required.", refused(() -> Rules.name("name", "")));
    }

    @Test
    void scopesAreCanonicalNames() {
        assertArrayEquals(new String[] {"acme", "web"}, Rules.scope("scope", "acme:web"));
        for (String bad : List.of("acme", "acme:", ":web", "acme:web:x", "Acme:web")) {
            assertTrue(refused(() -> Rules.scope("scope", bad)).contains("is not a valid scope"), bad);
        }
    }

    @Test
    void lengthsCountCharactersNotUtf16Units() {
        String emoji = "\uD83D\uDE80";
        assertEquals(64, Rules.description("description", emoji.repeat(64)).codePointCount(0, 128));
        assertTrue(refused(() -> Rules.description("description", emoji.repeat(65))).contains("got 65 characters"));
        assertDoesNotThrow(() -> Rules.content("content", emoji.repeat(Rules.CONTENT_MAX)));
        assertTrue(refused(() -> Rules.content("content", "x".repeat(Rules.CONTENT_MAX + 1)))
                .contains(Rules.CONTENT_MAX + 1 + " characters"));
    }

    @Test
    void unicodeWhitespaceAndInvisibleCharactersAreBlank() {
        for (String blank : List.of("  ", "\u00A0\u00A0", "\u0085\u0085", "\u2003\u3000", "\u200B\u200B", "\t\n",
                "\uFEFF ")) {
            assertTrue(Rules.blank(blank), () -> "blank: " + blank.codePoints().boxed().toList());
            assertTrue(refused(() -> Rules.description("description", blank)).contains("all whitespace"));
            assertTrue(refused(() -> Rules.content("content", blank)).startsWith("content is blank"));
        }
        assertFalse(Rules.blank(" x "));
        assertEquals("\u00A0ok", Rules.description("description", "\u00A0ok"));
    }

    @Test
    void textThatCannotBeStoredFaithfullyIsRefusedNamingWhereItIs() {
        assertEquals("content contains a NUL character (U+0000) at position 3, which cannot be stored: remove it.",
                refused(() -> Rules.text("content", "ab\u0000")));
        for (String broken : List.of("\uD800", "a\uDC00b", "\uDE80\uD83D", "end\uD83D")) {
            assertTrue(refused(() -> Rules.text("entries[2].content", broken))
                    .startsWith("entries[2].content contains an unpaired UTF-16 surrogate"), broken);
        }
        assertEquals("\uD83D\uDE80 ok", Rules.text("content", "\uD83D\uDE80 ok"));
        assertTrue(refused(() -> Rules.content("content", "fine\u0000")).contains("NUL"));
        assertTrue(refused(() -> Rules.description("description", "fine\uD800")).contains("surrogate"));
    }

    @Test
    void quotesAreShortWhateverTheValue() {
        assertEquals("'short'", Rules.quote("short"));
        String quoted = Rules.quote("k".repeat(100_000));
        assertEquals("'" + "k".repeat(Rules.QUOTE_MAX - 3) + "...' (100000 characters)", quoted);
        String emoji = Rules.quote("\uD83D\uDE80".repeat(50));
        assertTrue(emoji.startsWith("'" + "\uD83D\uDE80".repeat(Rules.QUOTE_MAX - 3) + "...'"), "never cuts a character in two");
        assertTrue(refused(() -> Rules.name("name", "X".repeat(100_000))).length() < 200);
        assertTrue(refused(() -> Rules.query("queries[0]", "ok " + "Y".repeat(100_000))).length() < 200);
    }

    @Test
    void contextKeywordsArePlainWordsAndNormalisedToSingleSpaces() {
        assertEquals("postgres index", Rules.context("context", "  postgres \t index "));
        for (String bad : List.of("x", "Upper", "a!b", "dróp")) {
            assertTrue(refused(() -> Rules.context("context", bad)).startsWith("context"), bad);
        }
        assertTrue(refused(() -> Rules.context("context", String.join(" ", Collections.nCopies(21, "kw"))))
                .contains("21 keywords"));
    }

    @Test
    void queriesAreTextInTheCallersOwnWords() {
        for (String asked : List.of("-leading", "x", "Upper", "a!b", "dróp", "C++ move semantics", "Node.js",
                "How do we version the public API?", "Do not use mutable data structures for argument defaults",
                "function's", "日本語の検索", "Ünïcödé", "'quoted' & (grouped) | !negated <-> :*")) {
            assertEquals(asked, Rules.query("queries[0]", asked));
        }
        assertEquals("trimmed query", Rules.query("queries[0]", " \t trimmed query \n"));
        assertEquals("x".repeat(Rules.QUERY_MAX), Rules.query("queries[0]", "  " + "x".repeat(Rules.QUERY_MAX) + " "));
        assertEquals("queries[0] has 501 characters, more than the 500 allowed: ask about one aspect of the task "
                + "per query, and use several queries.", refused(() -> Rules.query("queries[0]", "x".repeat(501))));
        for (String bad : List.of("?!", "   ", "--", "\u2003", "\uD83D\uDE80")) {
            assertTrue(refused(() -> Rules.query("queries[1]", bad)).startsWith("queries[1] "), bad);
            assertTrue(refused(() -> Rules.query("queries[1]", bad)).contains("no letter or digit"), bad);
        }
        assertTrue(refused(() -> Rules.query("queries[2]", "")).startsWith("queries[2] is missing"));
        assertTrue(refused(() -> Rules.query("queries[2]", "nul\u0000")).contains("NUL"));
        assertTrue(refused(() -> Rules.query("queries[2]", "lone\uD800")).contains("surrogate"));
    }

    @Test
    void parentsAreAtMostAHundredAsGiven() {
        assertDoesNotThrow(() -> Rules.parentCount("parents", Rules.PARENTS_MAX));
        assertEquals("parents has 101 scopes: give at most 100.", refused(() -> Rules.parentCount("parents", 101)));
    }

    @Test
    void importTimestampsStayInProtobufsRange() {
        assertDoesNotThrow(() -> Rules.timestamp("t", Rules.TIMESTAMP_SECONDS_MIN, 0));
        assertDoesNotThrow(() -> Rules.timestamp("t", Rules.TIMESTAMP_SECONDS_MAX, 999_999_999));
        for (long[] bad : List.of(new long[] {Rules.TIMESTAMP_SECONDS_MAX + 1, 0}, new long[] {-9_000_000_000_000_000_000L, 0},
                new long[] {0, -5}, new long[] {0, 2_000_000_000})) {
            assertTrue(refused(() -> Rules.timestamp("entries[0].create_time", bad[0], (int) bad[1]))
                    .startsWith("entries[0].create_time"));
        }
    }

    @Test
    void idsArePositiveAndBatchesBounded() {
        assertEquals(7, Rules.id("id", 7));
        assertTrue(refused(() -> Rules.id("id", 0)).contains("not a valid id"));
        assertTrue(refused(() -> Rules.id("id", Rules.ID_MAX + 1)).contains("not a valid id"));
        assertEquals(Rules.ID_MAX, Rules.id("id", String.valueOf(Rules.ID_MAX)));
        for (String bad : new String[] {"", "0", "042", "+1", " 1", "1 ", "1e3", String.valueOf(Rules.ID_MAX + 1), null}) {
            assertTrue(refused(() -> Rules.id("id", bad)).startsWith("id "), bad);
        }
        assertTrue(refused(() -> Rules.idCount("ids", 0, Rules.IDS_MAX)).contains("give 1-100"));
        assertTrue(refused(() -> Rules.queries("queries", List.of())).contains("0 queries"));
    }

    @Test
    void timesAreRfc3339WithTheirOffsetAndValidUntilIsInTheFuture() {
        assertEquals(java.time.Instant.parse("2027-03-31T00:00:00Z"), Rules.time("valid_until", "2027-03-31T00:00:00Z"));
        assertEquals(java.time.Instant.parse("2027-03-30T22:00:00.5Z"), Rules.time("valid_until", "2027-03-31T00:00:00.5+02:00"));
        assertEquals(java.time.Instant.parse("2027-03-31T00:00:00Z"), Rules.time("valid_until", "2027-03-31t00:00:00z"));
        List<String> notTimes = List.of("2027-03-31", "2027-03-31T00:00Z", "2027-03-31T00:00:00", "2027-03-31 00:00:00Z",
                "tomorrow", " 2027-03-31T00:00:00Z", "2027-03-31T00:00:00.1234567890Z", "1711843200");
        // shaped like a time, so the published pattern lets them through, but no such time exists
        List<String> noSuchTimes = List.of("2027-02-30T00:00:00Z", "2027-13-01T00:00:00Z", "2027-03-31T00:00:00+19:00");
        for (String bad : notTimes) {
            assertFalse(Rules.TIME_PATTERN.matcher(bad).matches(), bad);
        }
        for (String bad : java.util.stream.Stream.concat(notTimes.stream(), noSuchTimes.stream()).toList()) {
            assertEquals("valid_until " + Rules.quote(bad) + " is not a time: give " + Rules.TIME_RULE + ".",
                    refused(() -> Rules.time("valid_until", bad)), bad);
        }
        assertEquals("valid_until is missing: it is required.", refused(() -> Rules.time("valid_until", "")));

        java.time.Instant now = java.time.Instant.parse("2026-12-01T12:00:00Z");
        assertEquals(now.plusSeconds(1), Rules.validUntil("valid_until", now.getEpochSecond() + 1, 0, now));
        String past = refused(() -> Rules.validUntil("valid_until", now.getEpochSecond(), 0, now));
        assertTrue(past.startsWith("valid_until 2026-12-01T12:00:00Z is not in the future"), past);
        String far = refused(() -> Rules.validUntil("valid_until", Rules.TIMESTAMP_SECONDS_MAX + 1, 0, now));
        assertEquals("valid_until +10000-01-01T00:00:00Z is out of range: give a time up to 9999-12-31T23:59:59Z.", far);
        assertEquals(java.time.Instant.EPOCH, Rules.validUntil("entries[0].valid_until", 0, 0, null), "an import keeps it");
        assertTrue(refused(() -> Rules.validUntil("valid_until", Long.MAX_VALUE, -1, now)).contains("(seconds "));
    }

    @Test
    void stalePositionsDaysAndPagesHaveTheirRanges() {
        Rules.StalePosition position = new Rules.StalePosition(java.time.Instant.parse("2026-11-28T03:12:00.123456Z"), 42);
        assertEquals("2026-11-28T03:12:00.123456Z/42", position.toString());
        assertEquals(position, Rules.stalePosition("after", position.toString()));
        for (String bad : List.of("42", "2026-11-28T03:12:00Z", "2026-11-28T03:12:00Z/", "2026-11-28T03:12:00Z/0",
                "yesterday/42", "2026-11-28T03:12:00Z/-1", "/42")) {
            assertTrue(refused(() -> Rules.stalePosition("after", bad)).startsWith("after " + Rules.quote(bad)
                    + " is not a position in the list"), bad);
        }
        assertEquals(1, Rules.staleDays("days", 1));
        assertEquals(Rules.STALE_DAYS_MAX, Rules.staleDays("days", Rules.STALE_DAYS_MAX));
        assertEquals("days 0 is out of range: give " + Rules.STALE_DAYS_RULE + ".", refused(() -> Rules.staleDays("days", 0)));
        assertTrue(refused(() -> Rules.staleDays("days", Rules.STALE_DAYS_MAX + 1)).startsWith("days 3651"));
        assertEquals(Rules.STALE_PAGE_MAX, Rules.stalePageSize("limit", Rules.STALE_PAGE_MAX));
        assertTrue(refused(() -> Rules.stalePageSize("limit", 0)).startsWith("limit 0 is out of range"));
    }
}
