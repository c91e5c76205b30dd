package dev.kaizen.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The words of a search query, as an agent writes it in its own words ("How do we version the
 * public API?"). knowledge-service searches the lexemes PostgreSQL's parser finds in a query and
 * leaves {@link #QUESTION_FILLER} out unless nothing else is left; the gateway finds excerpts with
 * {@link #salient(String)}.
 */
public final class QueryWords {
    /**
     * Words of asking that say nothing about the knowledge sought ("please tell me how we ...").
     * Question words, pronouns and auxiliaries ("how", "do", "we", "should") are stop words of the
     * search language already, so they are not repeated here.
     */
    public static final String QUESTION_FILLER = "please pls kindly tell show explain describe know wonder want need "
            + "way ways anyone someone somebody something anything thing things stuff also just really actually "
            + "maybe perhaps would could might shall must may whether";

    /** Common English function words: never what an excerpt should be centred on. */
    private static final Set<String> FUNCTION_WORDS = Set.of(("a an and are as at be been but by can did do does for "
            + "from had has have how if in into is it its me my no nor not of on or our so than that the their them "
            + "then there these they this those to too was we were what when where which while who whom why will "
            + "with you your should " + QUESTION_FILLER).split(" "));

    private QueryWords() {
    }

    /**
     * The words of {@code query} worth looking for in an entry's text, in order: lower-case runs of
     * letters, digits and '-', at least three characters long, without function words and filler.
     */
    public static List<String> salient(String query) {
        List<String> words = new ArrayList<>();
        for (String word : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}-]+")) {
            if (word.codePointCount(0, word.length()) >= 3 && !FUNCTION_WORDS.contains(word) && !words.contains(word)) {
                words.add(word);
            }
        }
        return words;
    }
}
