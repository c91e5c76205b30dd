package dev.kaizen.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Token ids as Hugging Face's tokenizers library (the reference implementation the models were trained
 * with) gives them for the same tokenizer.json; the expected arrays were produced with it.
 */
class WordPieceTokenizerTest {
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = WordPieceTokenizerTest.class.getClassLoader()
                .getResourceAsStream(EmbeddingModel.BGE_SMALL_EN_V15.tokenizerResource())) {
            tokenizer = WordPieceTokenizer.fromTokenizerJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void sentencesSplitIntoWordPieces() {
        assertArrayEquals(new int[] {101, 2079, 2025, 2224, 14163, 10880, 2951, 5090, 2005, 6685, 12398, 2015, 102},
                tokenizer.encode("Do not use mutable data structures for argument defaults", 1000));
        assertArrayEquals(new int[] {101, 1039, 1009, 1009, 2693, 28081, 102}, tokenizer.encode("C++ move semantics", 1000));
        assertArrayEquals(new int[] {101, 13045, 1012, 1046, 2015, 102}, tokenizer.encode("Node.js", 1000));
        assertArrayEquals(new int[] {101, 3853, 1005, 1055, 102}, tokenizer.encode("function's", 1000));
    }

    @Test
    void unicodeIsNormalisedAsBertDoes() {
        assertArrayEquals(new int[] {101, 27260, 7668, 15743, 102}, tokenizer.encode("Ünïcödé café naïve", 1000));
        assertArrayEquals(new int[] {101, 1864, 1876, 1950, 1671, 100, 100, 102}, tokenizer.encode("日本語の検索", 1000));
        assertArrayEquals(new int[] {101, 7861, 29147, 2072, 100, 7596, 102}, tokenizer.encode("emoji \uD83D\uDE80 rocket", 1000));
        assertArrayEquals(new int[] {101, 5717, 9148, 11927, 2232, 102}, tokenizer.encode("zero\u200Bwidth", 1000));
        assertArrayEquals(new int[] {101, 100, 9381, 102}, tokenizer.encode("ＦＵＬＬ width", 1000));
        assertArrayEquals(new int[] {101, 19387, 2140, 4763, 3793, 102}, tokenizer.encode("RTL \u202Eevil\u202C text", 1000));
        assertArrayEquals(new int[] {101, 11566, 1041, 9669, 102}, tokenizer.encode("combining e\u0301 accent", 1000));
        assertArrayEquals(new int[] {101, 21628, 2047, 2240, 1050, 5910, 2361, 102},
                tokenizer.encode("tab\tnew\nline\u00A0nbsp", 1000));
        assertArrayEquals(new int[] {101, 1984, 8018, 11244, 102}, tokenizer.encode("\uFB01 ligature", 1000));
        assertArrayEquals(new int[] {101, 9960, 1096, 102}, tokenizer.encode("İstanbul ß", 1000));
    }

    @Test
    void aWordLongerThanAHundredCharactersIsUnknown() {
        assertArrayEquals(new int[] {101, 100, 102}, tokenizer.encode("supercalifragilistic" + "x".repeat(95), 1000));
    }

    @Test
    void longTextIsCutToTheTokenLimitKeepingTheMarkers() {
        int[] ids = tokenizer.encode("word ".repeat(1000), 16);
        assertEquals(16, ids.length);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[15]);
        assertArrayEquals(new int[] {101, 102}, tokenizer.encode("", 16));
    }
}
