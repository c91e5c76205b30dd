package dev.kaizen.embedding;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The sentence-embedding models Kaizen can run, each a quantized ONNX file with its tokenizer inside
 * a Maven artifact. Both give 384 dimensions; they differ in quality and cost (README, "Semantic
 * recall", has the figures behind the default).
 */
public enum EmbeddingModel {
    /**
     * BAAI's bge-small-en-v1.5 (12 layers), quantized: the default. The [CLS] token's state is the
     * embedding; queries carry the instruction the model was trained with for retrieval.
     */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "bge-small-en-v1.5-q", Pooling.CLS,
            "Represent this sentence for searching relevant passages: ", 0.5f, 0.6),
    /** sentence-transformers' all-MiniLM-L6-v2 (6 layers), quantized: about half the cost. Mean pooling. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-minilm-l6-v2-q", Pooling.MEAN, "", 0.25f, 0.3);

    /** Dimensions of every model's vectors. */
    public static final int DIMENSIONS = 384;
    /** Tokens of an entry's text that are embedded: the beginning, where an entry says what it is about. */
    public static final int DOCUMENT_TOKENS = 128;
    /** Tokens of a query that are embedded (a query has at most 500 characters). */
    public static final int QUERY_TOKENS = 128;

    enum Pooling { CLS, MEAN }

    private final String id;
    private final String resource;
    private final Pooling pooling;
    private final String queryInstruction;
    private final float range;
    private final double similarityFloor;

    EmbeddingModel(String id, String resource, Pooling pooling, String queryInstruction, float range,
                   double similarityFloor) {
        this.id = id;
        this.resource = resource;
        this.pooling = pooling;
        this.queryInstruction = queryInstruction;
        this.range = range;
        this.similarityFloor = similarityFloor;
    }

    /** The model's name in configuration and in stored vectors, e.g. "bge-small-en-v1.5". */
    public String id() {
        return id;
    }

    /** The model of that name, or an IllegalArgumentException that lists the names. */
    public static EmbeddingModel named(String id) {
        return Arrays.stream(values()).filter(model -> model.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown embedding model '" + id + "': use one of "
                        + Arrays.stream(values()).map(EmbeddingModel::id).collect(Collectors.joining(", "))));
    }

    String onnxResource() {
        return resource + ".onnx";
    }

    String tokenizerResource() {
        return resource + "-tokenizer.json";
    }

    Pooling pooling() {
        return pooling;
    }

    String queryInstruction() {
        return queryInstruction;
    }

    /**
     * The largest magnitude a component of a unit vector of this model has in practice: vectors are
     * stored as one signed byte per dimension, {@code round(x * 127 / range)}, clipped.
     */
    public float range() {
        return range;
    }

    /**
     * The cosine at or below which a query and a text have nothing in common for this model (each
     * model has its own scale: unrelated texts score 0.4 to 0.57 with bge-small, -0.1 to 0.28 with
     * MiniLM). Search counts only what lies above it.
     */
    public double similarityFloor() {
        return similarityFloor;
    }
}
