package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.icm4j.IcmException;
import org.icm4j.spi.ModelDigest;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CausalLm} around a {@link GptBlock} held in a DJL {@link Model} (which owns the
 * parameters in its own {@link NDManager}). {@link #forward} reuses the cached keys and values, so
 * reading {@code m} new tokens after {@code n} cached ones costs {@code m} token positions, not
 * {@code n + m}.
 *
 * <pre>{@code
 * GptConfig config = new GptConfig(32, 256, 2, 2, 32, 128, 42L);
 * try (BlockLm lm = BlockLm.create(config, Device.cpu());
 *     NDManager manager = NDManager.newBaseManager()) {
 *   CausalLm.Step first = lm.forward(manager, new long[] {1, 2, 3}, null);
 *   CausalLm.Step next = lm.forward(manager, new long[] {4}, first.cache());
 *   lm.save(Path.of("model"));
 * }
 * }</pre>
 *
 * <p>A saved model is a directory with {@value #CONFIG_FILE} (the {@link GptConfig}) and {@value
 * #PARAMETERS_FILE} (the parameters, written by {@code Block.saveParameters}).
 *
 * <p>Training: use {@link #model()} with {@code model.newTrainer(config)} and call {@code
 * trainer.initialize(new Shape(batch, length))}, which keeps the weights already there.
 *
 * <p>Not thread-safe: use one instance per thread (the model's native state is shared, and
 * training changes the parameters in place). {@link #close()} releases the model and its
 * parameters; arrays returned by {@link #forward} belong to the caller's manager and stay valid.
 */
public final class BlockLm implements CausalLm {

  static {
    DjlStartup.prepare(); // before DJL's engine class, which may probe the network
  }

  /** File name of the configuration in a saved model directory. */
  public static final String CONFIG_FILE = "config.json";

  /** File name of the parameters in a saved model directory. */
  public static final String PARAMETERS_FILE = "gpt.params";

  private static final String FORMAT = "icm4j-gpt";
  private static final int FORMAT_VERSION = 1;
  private static final String ENGINE = "PyTorch";

  private final Model model;
  private final GptBlock block;
  private final GptConfig config;
  private boolean closed;

  private BlockLm(Model model, GptBlock block) {
    this.model = model;
    this.block = block;
    this.config = block.config();
  }

  /**
   * A model with fresh weights drawn from {@link GptConfig#seed()} (the same configuration gives
   * the same weights, bit for bit; see {@link GptBlock} for the scheme).
   *
   * @param config the shape and seed
   * @param device where the parameters live, e.g. {@code Device.cpu()}
   * @return a new model; close it when done
   * @throws IcmException when DJL's PyTorch engine is not available
   */
  public static BlockLm create(GptConfig config, Device device) {
    requireNonNull(config, "config");
    requireNonNull(device, "device");
    Model model = newModel(device);
    try {
      GptBlock block = new GptBlock(config);
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, config.maxLength()));
      return new BlockLm(model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Loads a model saved by {@link #save(Path)}.
   *
   * @param dir the directory holding {@value #CONFIG_FILE} and {@value #PARAMETERS_FILE}
   * @param device where the parameters will live
   * @return the model; close it when done
   * @throws IcmException when a file is missing or does not hold a model of this format, or the
   *     PyTorch engine is not available
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  public static BlockLm load(Path dir, Device device) {
    requireNonNull(dir, "dir");
    requireNonNull(device, "device");
    GptConfig config = readConfig(dir.resolve(CONFIG_FILE));
    Path parameters = dir.resolve(PARAMETERS_FILE);
    Model model = newModel(device);
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(parameters)))) {
      GptBlock block = new GptBlock(config);
      model.setBlock(block);
      block.loadParameters(model.getNDManager(), in);
      return new BlockLm(model, block);
    } catch (NoSuchFileException e) {
      model.close();
      throw new IcmException(
          "no " + PARAMETERS_FILE + " in " + dir + ": save the model there with BlockLm.save", e);
    } catch (IOException e) {
      model.close();
      throw new UncheckedIOException("cannot read " + parameters, e);
    } catch (MalformedModelException e) {
      model.close();
      throw new IcmException(
          "cannot load "
              + parameters
              + ": "
              + e.getMessage()
              + " (save it again with BlockLm.save)",
          e);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Writes the configuration and the parameters into {@code dir} (created if needed), replacing a
   * model saved there before. Each file is written to a temporary file first and then moved into
   * place.
   *
   * @param dir the directory
   * @throws UncheckedIOException naming the file when it cannot be written
   * @throws IllegalStateException when this model is closed
   */
  public void save(Path dir) {
    requireNonNull(dir, "dir");
    checkOpen();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create directory " + dir, e);
    }
    Path parameters = dir.resolve(PARAMETERS_FILE);
    Path tmp = dir.resolve(PARAMETERS_FILE + ".tmp");
    try {
      try (DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        block.saveParameters(out);
      }
      move(tmp, parameters);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + parameters, e);
    }
    Path configFile = dir.resolve(CONFIG_FILE);
    Path configTmp = dir.resolve(CONFIG_FILE + ".tmp");
    try {
      Files.writeString(configTmp, configJson(config) + "\n", StandardCharsets.UTF_8);
      move(configTmp, configFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configFile, e);
    }
  }

  /**
   * The DJL model holding {@link #block()}; for training code. Closed by {@link #close()}.
   *
   * @return the DJL model holding {@link #block()}
   */
  public Model model() {
    return model;
  }

  /**
   * The GPT block; for training code and direct use of {@link GptBlock#forwardWithCache}.
   *
   * @return the GPT block
   */
  public GptBlock block() {
    return block;
  }

  /**
   * The configuration of this model.
   *
   * @return the configuration of this model
   */
  public GptConfig config() {
    return config;
  }

  /** The device the parameters live on. */
  @Override
  public Device device() {
    return model.getNDManager().getDevice();
  }

  /** {@inheritDoc} */
  @Override
  public int vocabularySize() {
    return config.vocabularySize();
  }

  /** {@inheritDoc} This is {@link GptConfig#maxLength()}. */
  @Override
  public int maxLength() {
    return config.maxLength();
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code parametersDigest}: 32 hex digits of the SHA-256 of the parameters as {@link
   * #save(Path)} writes them, taken now: a model created from a configuration, trained in memory
   * or loaded from a directory is identified by its weights as they are (a model fine-tuned after
   * loading is told apart from its files). Reads every parameter, so its cost grows with the
   * model (a run asks for it for its provenance and, with a checkpoint, its fingerprint).
   *
   * @throws IllegalStateException when this model is closed
   */
  @Override
  public java.util.Map<String, String> identity() {
    checkOpen();
    return java.util.Map.of(
        "parametersDigest",
        ModelDigest.ofBytes(out -> block.saveParameters(new DataOutputStream(out))));
  }

  /** Always {@code true}: the cache holds each layer's keys and values. */
  @Override
  public boolean reusesKeysAndValues() {
    return true;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The cache holds {@code 2 * layers} arrays {@code [k0, v0, k1, v1, ...]}, each {@code [1,
   * heads, length, headSize]}; the given cache is neither changed nor closed, so one cache can be
   * extended several ways. The returned arrays carry no autograd history. Every intermediate array
   * is released before returning; nothing is added to the model's manager.
   *
   * @throws IllegalArgumentException when cached plus new tokens exceed {@link #maxLength()}, a
   *     token id is outside {@code [0, vocabularySize())}, or the cache was not made by a model of
   *     this shape
   * @throws IllegalStateException when this model is closed
   */
  @Override
  public Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
    requireNonNull(manager, "manager");
    requireNonNull(tokens, "tokens");
    checkOpen();
    if (tokens.length == 0) {
      throw new IllegalArgumentException("tokens must hold at least one token, but was empty");
    }
    int start = cache == null ? 0 : cache.length();
    long total = (long) start + tokens.length;
    if (total > config.maxLength()) {
      throw new IllegalArgumentException(
          "a context of "
              + total
              + " tokens ("
              + start
              + " cached + "
              + tokens.length
              + " new) exceeds the model's maxLength of "
              + config.maxLength()
              + " tokens: use a smaller batch (Icm.Builder.batchSize) or a model with a longer"
              + " context");
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabularySize()) {
        throw new IllegalArgumentException(
            "token id "
                + tokens[i]
                + " at index "
                + i
                + " is outside the vocabulary [0, "
                + config.vocabularySize()
                + ")");
      }
    }
    NDList past = cache == null || cache.arrays().isEmpty() ? null : cache.arrays();
    Device device = model.getNDManager().getDevice();
    try (NDManager scratch = manager.newSubManager(device)) {
      NDArray input = scratch.create(tokens, new Shape(1, tokens.length));
      ParameterStore ps = new ParameterStore(model.getNDManager(), false);
      NDList out = block.forwardWithCache(ps, input, start, past);
      // Detached copies (no autograd graph kept alive by the cache), moved to the caller.
      NDArray logits = out.get(0).squeeze(0).stopGradient();
      NDList presents = new NDList(out.size() - 1);
      for (int i = 1; i < out.size(); i++) {
        presents.add(out.get(i).stopGradient());
      }
      logits.attach(manager);
      presents.attach(manager);
      return new Step(logits, new KvCache(presents, (int) total));
    }
  }

  /**
   * Reads a batch of token sequences, each after its own chain of cached segments, in one forward
   * (the batched leave-one-out sweep of {@link DjlScorer}); see {@link GptBlock#forwardSegments}.
   *
   * @throws IllegalArgumentException when a token id is outside the vocabulary or a sequence does
   *     not fit after its context
   * @throws IllegalStateException when this model is closed
   */
  GptBlock.SegmentResult forwardBatch(
      NDManager out,
      long[][] tokens,
      GptBlock.@Nullable Segment[] parents,
      @Nullable NDManager[] segmentManagers,
      int[][] readRows) {
    checkOpen();
    for (long[] sequence : tokens) {
      for (int i = 0; i < sequence.length; i++) {
        if (sequence[i] < 0 || sequence[i] >= config.vocabularySize()) {
          throw new IllegalArgumentException(
              "token id " + sequence[i] + " at index " + i + " is outside the vocabulary [0, "
                  + config.vocabularySize() + ")");
        }
      }
    }
    ParameterStore ps = new ParameterStore(model.getNDManager(), false);
    return block.forwardSegments(ps, out, tokens, parents, segmentManagers, readRows);
  }

  /** Releases the model and its parameters; later calls fail. Calling it again does nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this BlockLm is closed");
    }
  }

  private static Model newModel(Device device) {
    try {
      return Model.newInstance("icm4j-gpt", device, ENGINE);
    } catch (EngineException | IllegalArgumentException e) {
      throw new IcmException(
          "DJL's PyTorch engine is not available: add ai.djl.pytorch:pytorch-engine and a native"
              + " library (ai.djl.pytorch:pytorch-native-cpu, classifier linux-x86_64, or a CUDA"
              + " one; see docs/djl.md) to the class path",
          e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(
          from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static String configJson(GptConfig config) {
    JsonObject o = new JsonObject();
    o.addProperty("format", FORMAT);
    o.addProperty("formatVersion", FORMAT_VERSION);
    o.addProperty("vocabularySize", config.vocabularySize());
    o.addProperty("maxLength", config.maxLength());
    o.addProperty("layers", config.layers());
    o.addProperty("heads", config.heads());
    o.addProperty("embedding", config.embedding());
    o.addProperty("mlpHidden", config.mlpHidden());
    o.addProperty("seed", config.seed());
    o.addProperty("outputHead", "tied to token embedding");
    return new GsonBuilder().setPrettyPrinting().create().toJson(o);
  }

  private static GptConfig readConfig(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IcmException(
          "no " + CONFIG_FILE + " at " + file + ": save the model there with BlockLm.save", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    try {
      JsonObject o = JsonParser.parseString(text).getAsJsonObject();
      String format = string(o, "format", file);
      int version = integer(o, "formatVersion", file);
      if (!FORMAT.equals(format) || version != FORMAT_VERSION) {
        throw new IcmException(
            file
                + " holds format "
                + format
                + " version "
                + version
                + ", but BlockLm reads "
                + FORMAT
                + " version "
                + FORMAT_VERSION);
      }
      return new GptConfig(
          integer(o, "vocabularySize", file),
          integer(o, "maxLength", file),
          integer(o, "layers", file),
          integer(o, "heads", file),
          integer(o, "embedding", file),
          integer(o, "mlpHidden", file),
          member(o, "seed", file).getAsLong());
    } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
      throw new IcmException("cannot read the configuration in " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IcmException("invalid configuration in " + file + ": " + e.getMessage(), e);
    }
  }

  private static JsonElement member(JsonObject o, String name, Path file) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      throw new IcmException(file + " has no \"" + name + "\"");
    }
    return e;
  }

  private static String string(JsonObject o, String name, Path file) {
    return member(o, name, file).getAsString();
  }

  private static int integer(JsonObject o, String name, Path file) {
    return member(o, name, file).getAsInt();
  }
}
