package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.v1.IfSimilar;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.SimilarEntry;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NearDuplicatesTest extends ServiceTest {
    private static final String LESSON = "Run database migrations before the new application version starts. "
            + "A release that starts first serves requests against the old schema and fails on missing columns. "
            + "The deploy pipeline therefore runs Flyway in a separate job and waits for it.";
    /** The lesson with its sentences in another order and one word changed. */
    private static final String LIGHTLY_EDITED = "The deploy pipeline therefore runs Flyway in a separate job and waits "
            + "for it. Run database migrations before the new application version starts. A release that starts "
            + "first serves requests against the old schema and breaks on missing columns.";
    private static final String UNRELATED = "Frontend components use the shared design tokens for colours and spacing; "
            + "never hard-code hex values in stylesheets.";

    @Test
    void aLightlyEditedCopyInAChildScopeNamesTheEntryOfItsAncestor() {
        String ns = namespace();
        createScope(ns + ":backend");
        long original = write(ns + ":default", LESSON, "deploy migrations flyway");

        WriteKnowledgeResponse copy = write(ns + ":backend", LIGHTLY_EDITED, IfSimilar.IF_SIMILAR_UNSPECIFIED);
        assertTrue(copy.getWritten(), "by default the entry is written");
        assertEquals(ns + ":backend", copy.getScope());
        assertEquals(List.of(original), ids(copy.getSimilarList()));
        SimilarEntry similar = copy.getSimilar(0);
        assertEquals(ns + ":default", similar.getScope());
        assertTrue(similar.getSimilarity() >= 0.8 && similar.getSimilarity() < 1, "one word in about twenty changed: "
                + similar.getSimilarity());
        assertEquals(LIGHTLY_EDITED, get(copy.getId()).getContent());

        assertEquals(List.of(), write(ns + ":backend", UNRELATED, IfSimilar.IF_SIMILAR_WRITE).getSimilarList(),
                "a text on another subject is no near-duplicate");
        WriteKnowledgeResponse same = write(ns + ":backend", LESSON, IfSimilar.IF_SIMILAR_WRITE);
        assertEquals(List.of(original, copy.getId()), ids(same.getSimilarList()), "closest first");
        assertEquals(1.0, same.getSimilar(0).getSimilarity());
    }

    @Test
    void skipDoesNotWriteAndAnswersWithTheClosestEntry() {
        String ns = namespace();
        long original = write(ns + ":default", LESSON, "deploy migrations flyway");

        WriteKnowledgeResponse skipped = write(ns + ":default", LIGHTLY_EDITED, IfSimilar.IF_SIMILAR_SKIP);
        assertFalse(skipped.getWritten());
        assertEquals(original, skipped.getId());
        assertEquals(ns + ":default", skipped.getScope());
        assertEquals(List.of(original), ids(skipped.getSimilarList()));
        refreshSearchStatistics();
        assertEquals(List.of(original), found(ns + ":default", "flyway"), "nothing was written");

        WriteKnowledgeResponse written = write(ns + ":default", UNRELATED, IfSimilar.IF_SIMILAR_SKIP);
        assertTrue(written.getWritten(), "without a near-duplicate, skip writes");
        assertTrue(written.getId() > original);
        assertEquals(UNRELATED, get(written.getId()).getContent());
    }

    @Test
    void onlyTheScopeAndItsAncestorsCountAndSuppressedEntriesDoNot() {
        String ns = namespace();
        createScope(ns + ":backend");
        createScope(ns + ":frontend");
        createScope(ns + ":payments", ns + ":backend");
        write(ns + ":frontend", LESSON, "deploy migrations flyway");
        write(ns + ":payments", LESSON, "deploy migrations flyway");
        assertEquals(List.of(), write(ns + ":backend", LIGHTLY_EDITED, IfSimilar.IF_SIMILAR_SKIP).getSimilarList(),
                "a sibling's and a child's entries are not in backend's view");

        long active = write(ns + ":default", UNRELATED, "design tokens");
        long old = write(ns + ":default", LESSON, "deploy migrations flyway");
        service.knowledge().resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder()
                .setActiveId(active).addSuppressedIds(old).build());
        WriteKnowledgeResponse response = write(ns + ":default", LESSON, IfSimilar.IF_SIMILAR_SKIP);
        assertTrue(response.getWritten(), "a suppressed entry is out of search, so no near-duplicate either");
    }

    @Test
    void theSettingsBoundWhatCountsAndHowManyAreNamed() {
        String ns = namespace();
        long original = write(ns + ":default", LESSON, "deploy migrations flyway");
        write(ns + ":default", LESSON, "deploy migrations flyway");
        write(ns + ":default", LESSON, "deploy migrations flyway");
        write(ns + ":default", LESSON, "deploy migrations flyway");
        assertEquals(3, write(ns + ":default", LESSON, IfSimilar.IF_SIMILAR_WRITE).getSimilarCount(),
                "write.similar_limit: 3 by default");
        try {
            setting("write.similarity_threshold", "1");
            assertEquals(List.of(), write(ns + ":default", LIGHTLY_EDITED, IfSimilar.IF_SIMILAR_SKIP).getSimilarList(),
                    "1: the same words only");
            assertEquals(original, write(ns + ":default", LESSON, IfSimilar.IF_SIMILAR_SKIP).getId());
            setting("write.similar_limit", "0");
            WriteKnowledgeResponse unchecked = write(ns + ":default", LESSON, IfSimilar.IF_SIMILAR_SKIP);
            assertTrue(unchecked.getWritten(), "0 turns the check off");
            assertEquals(0, unchecked.getSimilarCount());
        } finally {
            for (String key : List.of("write.similarity_threshold", "write.similar_limit")) {
                service.settings().resetConfig(ResetConfigRequest.newBuilder().setKey(key).build());
            }
        }
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> setting("write.similarity_threshold", "0.2"));
    }

    /**
     * The worst case of the candidate probe: the stored entry lacks the new text's rarest words (never
     * seen before), as many as the threshold allows, so only the commoner words can lead to it. It is
     * found at the threshold and not one word below, whichever way the probe is searched (every triple
     * of its words, every pair, or any word).
     */
    @Test
    void anEntryLackingTheRarestWordsAllowedIsFoundAndOneWordMoreIsNot() {
        record Case(double threshold, int words) {
        }
        try {
            for (Case c : List.of(new Case(0.8, 20), new Case(0.5, 40), new Case(0.5, 60), new Case(0.9, 7))) {
                setting("write.similarity_threshold", String.valueOf(c.threshold()));
                String ns = namespace();
                List<String> words = java.util.stream.IntStream.range(0, c.words()).mapToObj(i -> "qx"
                        + (char) ('a' + i / 26) + (char) ('a' + i % 26) + "k").toList();
                int shared = (int) Math.ceil(c.threshold() * c.words());
                long stored = write(ns + ":default", String.join(" ", words.subList(0, shared)) + ".", "probe");
                write(ns + ":default", String.join(" ", words.subList(1, shared)) + ".", "probe");
                refreshSearchStatistics();

                WriteKnowledgeResponse response = write(ns + ":default", String.join(" ", words) + ".", IfSimilar.IF_SIMILAR_SKIP);
                assertEquals(List.of(stored), ids(response.getSimilarList()), c + ": " + shared + " of the "
                        + c.words() + " words shared is a Jaccard index of the threshold; one fewer is below it");
            }
        } finally {
            service.settings().resetConfig(ResetConfigRequest.newBuilder().setKey("write.similarity_threshold").build());
        }
    }

    @Test
    void textWithoutIndexedWordsIsWrittenAndAnUnknownChoiceIsRefused() {
        String ns = namespace();
        write(ns + ":default", "It is what it is.", "filler");
        WriteKnowledgeResponse stopWords = write(ns + ":default", "It is what it is.", IfSimilar.IF_SIMILAR_SKIP);
        assertTrue(stopWords.getWritten(), "only stop words: nothing to compare, so it is written");
        String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().writeKnowledge(
                WriteKnowledgeRequest.newBuilder().setScope(ns + ":default").setContent(LESSON).setContext("deploy")
                        .setIfSimilarValue(7).build()));
        assertTrue(message.contains("if_similar 7 is not known"), message);
    }

    private static WriteKnowledgeResponse write(String scope, String content, IfSimilar ifSimilar) {
        return service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(scope).setContent(content)
                .setContext("deploy migrations flyway").setIfSimilar(ifSimilar).build());
    }

    private static List<Long> ids(List<SimilarEntry> similar) {
        return similar.stream().map(SimilarEntry::getId).toList();
    }

    private static void setting(String key, String value) {
        service.settings().updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }
}
