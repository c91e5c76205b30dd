package dev.kaizen.embedding;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbedderTest {
    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    @ParameterizedTest
    @EnumSource(EmbeddingModel.class)
    void aQuestionIsNearestToTheEntryThatAnswersIt(EmbeddingModel model) {
        try (Embedder embedder = Embedder.load(model)) {
            float[] question = embedder.query("How do we undo a bad release?");
            float[] answer = embedder.document("Roll back a failed deployment by redeploying the previous image tag.");
            float[] unrelated = embedder.document("Name Python functions in snake_case.");
            assertTrue(cosine(question, answer) > cosine(question, unrelated) + 0.1,
                    model + ": " + cosine(question, answer) + " vs " + cosine(question, unrelated));
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddingModel.class)
    void vectorsAreUnitLengthRepeatableAndSurviveQuantisation(EmbeddingModel model) {
        try (Embedder embedder = Embedder.load(model)) {
            float[] first = embedder.document("Keep migrations backward compatible for one release.");
            assertEquals(EmbeddingModel.DIMENSIONS, first.length);
            assertEquals(1.0, cosine(first, first), 1e-4);
            assertArrayEquals(first, embedder.document("Keep migrations backward compatible for one release."));
            float[] other = embedder.document("Index foreign keys that deletes cascade through.");
            double exact = cosine(first, other);
            assertEquals(exact, embedder.cosine(embedder.quantize(first), embedder.quantize(other)), 0.01);
        }
    }
}
