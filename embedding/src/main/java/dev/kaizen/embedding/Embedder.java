package dev.kaizen.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * One embedding model loaded into ONNX Runtime: text in, a unit vector of
 * {@value EmbeddingModel#DIMENSIONS} dimensions out, also as signed bytes for storage. Each call runs
 * on the caller's thread (one intra-op thread), so how many threads embed at once, and how much CPU
 * embedding takes, is the caller's choice. Thread-safe.
 */
public final class Embedder implements AutoCloseable {
    private final EmbeddingModel model;
    private final WordPieceTokenizer tokenizer;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final boolean tokenTypes;
    private boolean closed;

    private Embedder(EmbeddingModel model, WordPieceTokenizer tokenizer, OrtEnvironment environment, OrtSession session) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.environment = environment;
        this.session = session;
        this.tokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** Loads {@code model} from the classpath (about a second). */
    public static Embedder load(EmbeddingModel model) {
        try {
            WordPieceTokenizer tokenizer = WordPieceTokenizer.fromTokenizerJson(
                    new String(resource(model.tokenizerResource()), StandardCharsets.UTF_8));
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                // inputs vary in length: an arena and memory patterns would only keep memory the next run
                // cannot reuse
                options.setCPUArenaAllocator(false);
                options.setMemoryPatternOptimization(false);
                // from a file, not from bytes on the Java heap: the heap never has to grow to hold the model
                return new Embedder(model, tokenizer, environment,
                        environment.createSession(file(model.onnxResource()).toString(), options));
            }
        } catch (OrtException e) {
            throw new IllegalStateException("the embedding model " + model.id() + " could not be loaded: " + e.getMessage(), e);
        }
    }

    public EmbeddingModel model() {
        return model;
    }

    /** The vector of a search query (with the model's retrieval instruction, if it has one). */
    public float[] query(String text) {
        return embed(List.of(tokenizer.encode(model.queryInstruction() + text, EmbeddingModel.QUERY_TOKENS))).getFirst();
    }

    /** The vector of an entry's text: its first {@value EmbeddingModel#DOCUMENT_TOKENS} tokens. */
    public float[] document(String text) {
        return embed(List.of(tokenizer.encode(text, EmbeddingModel.DOCUMENT_TOKENS))).getFirst();
    }

    /** {@code vector} as one signed byte per dimension (see {@link EmbeddingModel#range()}). */
    public byte[] quantize(float[] vector) {
        byte[] bytes = new byte[vector.length];
        float scale = 127 / model.range();
        for (int i = 0; i < vector.length; i++) {
            bytes[i] = (byte) Math.max(-127, Math.min(127, Math.round(vector[i] * scale)));
        }
        return bytes;
    }

    /** The cosine of two vectors quantized by {@link #quantize}: their dot product, rescaled. */
    public double cosine(byte[] a, byte[] b) {
        long dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        double scale = 127 / model.range();
        return dot / (scale * scale);
    }

    /**
     * Runs the model on token id sequences, padded to the longest, and pools each sequence's last
     * hidden states into a unit vector. Callers pass one sequence at a time: the quantized models
     * scale their activations over the whole batch, so a text's vector would depend on the texts
     * beside it (and one at a time is also the fastest on a CPU, with no padding).
     */
    private List<float[]> embed(List<int[]> sequences) {
        int batch = sequences.size();
        int length = sequences.stream().mapToInt(ids -> ids.length).max().orElse(0);
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        for (int i = 0; i < batch; i++) {
            int[] sequence = sequences.get(i);
            for (int j = 0; j < sequence.length; j++) {
                ids[i * length + j] = sequence[j];
                mask[i * length + j] = 1;
            }
        }
        long[] shape = {batch, length};
        try (OnnxTensor inputIds = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
             OnnxTensor attention = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
             OnnxTensor types = OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[batch * length]), shape);
             OrtSession.Result result = session.run(tokenTypes
                     ? Map.of("input_ids", inputIds, "attention_mask", attention, "token_type_ids", types)
                     : Map.of("input_ids", inputIds, "attention_mask", attention))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            List<float[]> vectors = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                vectors.add(pool(hidden[i], sequences.get(i).length));
            }
            return vectors;
        } catch (OrtException e) {
            throw new IllegalStateException("the embedding model " + model.id() + " failed: " + e.getMessage(), e);
        }
    }

    private float[] pool(float[][] states, int tokens) {
        float[] vector = new float[EmbeddingModel.DIMENSIONS];
        if (model.pooling() == EmbeddingModel.Pooling.CLS) {
            System.arraycopy(states[0], 0, vector, 0, vector.length);
        } else {
            for (int t = 0; t < tokens; t++) {
                for (int d = 0; d < vector.length; d++) {
                    vector[d] += states[t][d];
                }
            }
        }
        double norm = 0;
        for (float x : vector) {
            norm += x * x;
        }
        float inverse = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < vector.length; d++) {
            vector[d] *= inverse;
        }
        return vector;
    }

    /**
     * The classpath resource {@code name} as a file in a folder of this process's own under the
     * temporary folder (readable by this user only), deleted when the process exits. ONNX Runtime
     * reads the model from there into memory.
     */
    private static Path file(String name) {
        try (InputStream in = Embedder.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the embedding model file " + name + " is not on the classpath");
            }
            Path folder = Files.createTempDirectory("kaizen-model-");
            // deleted at exit in the reverse order: the file, then its folder
            folder.toFile().deleteOnExit();
            Path file = folder.resolve(name);
            file.toFile().deleteOnExit();
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("the embedding model file " + name + " could not be written to the "
                    + "temporary folder: " + e.getMessage(), e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Embedder.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the embedding model file " + name + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            // closing: nothing to do
        }
    }
}
