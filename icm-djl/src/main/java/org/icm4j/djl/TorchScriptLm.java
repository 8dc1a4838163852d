package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.icm4j.IcmException;
import org.icm4j.spi.ModelDigest;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CausalLm} backed by a TorchScript model ({@code torch.jit.trace} / {@code
 * torch.jit.script}) run by DJL's PyTorch engine, described by a {@code icm4j-torchscript.json} next to it.
 *
 * <p>The model directory holds the model file and a {@code icm4j-torchscript.json} with these fields:
 *
 * <ul>
 *   <li>{@code vocab_size}: the logits' last dimension (required);
 *   <li>{@code max_length}: the number of positions the model has (required);
 *   <li>{@code interface}: how the model is called (required), one of
 *       <ul>
 *         <li>{@code "plain"}: {@code forward(input_ids [1,T] int64, attention_mask [1,T] int64)
 *             -> logits [1,T,V]}. The cache holds the token ids read so far (one int64 {@code
 *             [length]} array) and every call reads the whole sequence again;
 *         <li>{@code "gpt2-past-key-values"}: the GPT-2 interface of DJL's {@code
 *             ai.djl.modality.nlp.generate}: {@code forward(input_ids [1,T] int64, position_ids
 *             [1,T] int64, attention_mask [1,P+T] int64, past_key_values ((k_0, v_0), ..., (k_{L-1},
 *             v_{L-1})))} returning {@code (logits [1,T,V], ((k_0', v_0'), ...), hidden)}, where
 *             each past key or value is a float {@code [1, n_head, P, n_embd / n_head]} array and
 *             each present one is {@code [1, n_head, P+T, n_embd / n_head]}. The position ids are
 *             {@code P .. P+T-1} and the attention mask is all ones. When there is no cache the
 *             past arrays have {@code P = 0}, so the trace must accept zero-length pasts (a model
 *             that concatenates past and new keys does). The cache holds the presents: keys then
 *             values, layer by layer ({@code k_0, v_0, k_1, v_1, ...});
 *       </ul>
 *   <li>{@code inputs}: the forward's arguments in its order, required for {@code
 *       "gpt2-past-key-values"}: DJL's {@code ["input_ids", "position_ids", "attention_mask",
 *       "past_key_values"]} or Hugging Face's {@code ["input_ids", "attention_mask",
 *       "position_ids", "past_key_values"]} ({@code past_key_values} last); for {@code "plain"}
 *       optional, {@code ["input_ids", "attention_mask"]};
 *   <li>{@code n_layer}, {@code n_head}, {@code n_embd}: required for {@code
 *       "gpt2-past-key-values"}, ignored otherwise; for grouped-query attention also {@code
 *       n_kv_head} (key/value heads) and {@code head_dim}, which give the past's shape {@code [1,
 *       n_kv_head, P, head_dim]}.
 * </ul>
 *
 * <p>An empty past is made in the type of the module's weights (float16 for a float16 trace), and
 * logits are returned as float32. A directory of icm4j 0.x, whose settings are in a {@code
 * config.json} with the {@code interface} field, is still read (with a warning, and DJL's argument
 * order); a {@code config.json} without that field is the model's own and is not read.
 *
 * <p>The model file is, unless {@link Builder#modelFile} names another, {@code <directory
 * name>.pt} or else {@code model.pt}. Loading runs the model once on one token to check that its
 * outputs have the shapes {@code icm4j-torchscript.json} promises.
 *
 * <pre>{@code
 * try (TorchScriptLm lm = TorchScriptLm.load(Path.of("models/gpt2-kv"));
 *     NDManager manager = NDManager.newBaseManager()) {
 *   CausalLm.Step prefix = lm.forward(manager, new long[] {464, 3290}, null);
 *   CausalLm.Step next = lm.forward(manager, new long[] {318}, prefix.cache());
 *   NDArray logits = next.logits(); // [1, vocabularySize()]
 * }
 * }</pre>
 *
 * <p>Errors: a bad argument (a missing directory, model file or {@code icm4j-torchscript.json}, a {@code
 * icm4j-torchscript.json} with a missing or wrong field or an unknown interface, a {@code maxLength} beyond
 * the model's, too many tokens, a token id outside the vocabulary, a cache made by another model)
 * throws {@link IllegalArgumentException}; a model that cannot be loaded or run, or that returns
 * arrays of the wrong shape, throws {@link IcmException}. Every message names the file involved
 * and what to change.
 *
 * <p>Not thread-safe: one instance per thread (it holds one DJL {@link Predictor}). The returned
 * arrays live on the model's device and belong to the caller's manager. Closing the instance
 * releases the model; arrays it returned stay valid until their manager is closed.
 */
public final class TorchScriptLm implements CausalLm {

  /** How a TorchScript model is called; the {@code interface} field of {@code icm4j-torchscript.json}. */
  public enum Interface {
    /** {@code forward(input_ids, attention_mask) -> logits}; the cache holds the token ids. */
    PLAIN("plain"),
    /**
     * {@code forward(input_ids, position_ids, attention_mask, past_key_values) -> (logits,
     * presents, hidden)}; the cache holds each layer's keys and values.
     */
    GPT2_PAST_KEY_VALUES("gpt2-past-key-values");

    private final String configName;

    Interface(String configName) {
      this.configName = configName;
    }

    /**
     * The value of {@code icm4j-torchscript.json}'s {@code interface} field that selects this
     * interface.
     *
     * @return the value of the {@code interface} field that selects this interface
     */
    public String configName() {
      return configName;
    }

    static Interface fromConfig(String name, Path config) {
      for (Interface value : values()) {
        if (value.configName.equals(name)) {
          return value;
        }
      }
      throw new IllegalArgumentException(
          "unknown interface \""
              + name
              + "\" in "
              + config
              + ": set \"interface\" to \"plain\" (forward(input_ids, attention_mask) -> logits) or"
              + " \"gpt2-past-key-values\" (forward(input_ids, position_ids, attention_mask,"
              + " past_key_values) -> (logits, presents, hidden))");
    }
  }

  /**
   * Whether icm-djl runs TorchScript with PyTorch's graph executor optimizer unless told otherwise:
   * off. Measured on the test fixture (docs/benchmarks.md, "DjlScorer on the fixture"): the same
   * time per leave-one-out call with it on or off, and a faster first call without it; with it on,
   * DJL also logs a warning about it.
   */
  public static final boolean DEFAULT_GRAPH_OPTIMIZER = false;

  /**
   * The name of icm4j's settings file in a model directory: {@value}. It has a name of its own so
   * that the model's Hugging Face {@code icm4j-torchscript.json} can stay next to it unchanged.
   */
  public static final String SETTINGS_FILE = "icm4j-torchscript.json";

  private static final String TOO_LONG_REMEDY = "use a smaller batch (Icm.Builder.batchSize)";

  static {
    DjlStartup.prepare();
  }

  private final Path modelFile;
  /** {@link ModelDigest#ofFiles} of the model file and {@code icm4j-torchscript.json}, taken at load. */
  private final String digest;
  private final TorchScriptConfig config;
  private final int maxLength;
  private final Device device;
  private final boolean graphOptimizer;
  private final TorchScriptModule module;
  private final CallConvention convention;
  private boolean closed;

  private TorchScriptLm(Builder builder, TorchScriptConfig config, Path modelFile) {
    this.modelFile = modelFile;
    this.config = config;
    this.digest = ModelDigest.ofFiles(List.of(modelFile, config.file));
    this.device = builder.device;
    if (builder.maxLength != null && builder.maxLength > config.maxLength) {
      throw new IllegalArgumentException(
          "maxLength "
              + builder.maxLength
              + " exceeds max_length "
              + config.maxLength
              + " of "
              + config.file
              + ": give a maxLength between 1 and "
              + config.maxLength);
    }
    this.maxLength = builder.maxLength != null ? builder.maxLength : config.maxLength;
    this.graphOptimizer = builder.graphOptimizer;
    this.module = new TorchScriptModule(modelFile, config, device, graphOptimizer);
    this.convention = CallConvention.of(module, config, modelFile, device);
    try {
      probe();
    } catch (RuntimeException e) {
      module.close();
      throw e;
    }
  }

  /**
   * Loads the model in {@code modelDir} on the CPU with the file name and maximum length {@code
   * icm4j-torchscript.json} gives; the same as {@code builder(modelDir).build()}.
   *
   * @param modelDir the directory holding {@code icm4j-torchscript.json} and the TorchScript file
   * @return the loaded model; close it when done
   * @throws IllegalArgumentException when the directory, the model file or {@code icm4j-torchscript.json} is
   *     missing, or {@code icm4j-torchscript.json} is invalid
   * @throws IcmException when the model cannot be loaded or returns arrays of the wrong shape
   */
  public static TorchScriptLm load(Path modelDir) {
    return builder(modelDir).build();
  }

  /**
   * A builder for a model in {@code modelDir}, for choosing the model file, device or maximum
   * length.
   *
   * @param modelDir the directory holding {@code icm4j-torchscript.json} and the TorchScript file
   * @return a new builder with the defaults: file {@code <directory name>.pt} (or {@code
   *     model.pt}), {@link Device#cpu()}, {@code max_length} from {@code icm4j-torchscript.json}
   */
  public static Builder builder(Path modelDir) {
    return new Builder(requireNonNull(modelDir, "modelDir"));
  }

  /**
   * Options for loading a {@link TorchScriptLm}. Each setter checks its value at once; {@link
   * #build()} checks the files. Not thread-safe; {@link #build()} does not change the builder.
   */
  public static final class Builder {
    private final Path modelDir;
    private @Nullable String modelFile;
    private Device device = Device.cpu();
    private @Nullable Integer maxLength;
    private boolean graphOptimizer = DEFAULT_GRAPH_OPTIMIZER;

    private Builder(Path modelDir) {
      this.modelDir = modelDir;
    }

    /**
     * The name of the TorchScript file inside the model directory (default {@code <directory
     * name>.pt}, else {@code model.pt}).
     *
     * @param fileName a plain file name such as {@code "gpt2.pt"}, not a path
     * @return this builder
     * @throws IllegalArgumentException when the name is empty or holds a path separator
     */
    public Builder modelFile(String fileName) {
      requireNonNull(fileName, "fileName");
      if (fileName.isBlank() || fileName.contains("/") || fileName.contains("\\")) {
        throw new IllegalArgumentException(
            "modelFile must be a file name inside the model directory, but was \""
                + fileName
                + "\"");
      }
      this.modelFile = fileName;
      return this;
    }

    /**
     * The device to run the model on (default {@link Device#cpu()}); a GPU needs DJL's CUDA native
     * library on the class path.
     *
     * @param device where the model runs (default the CPU)
     * @return this builder
     */
    public Builder device(Device device) {
      this.device = requireNonNull(device, "device");
      return this;
    }

    /**
     * The longest sequence (cached plus new tokens) to accept, at most {@code icm4j-torchscript.json}'s
     * {@code max_length} (default: that value).
     *
     * @param maxLength at least 1
     * @return this builder
     * @throws IllegalArgumentException when {@code maxLength < 1}
     */
    public Builder maxLength(int maxLength) {
      if (maxLength < 1) {
        throw new IllegalArgumentException("maxLength must be >= 1, but was " + maxLength);
      }
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Whether PyTorch's graph executor optimizer runs on this model's calls (default {@value
     * TorchScriptLm#DEFAULT_GRAPH_OPTIMIZER}). It profiles the first calls and then rewrites the
     * graph; for the varying lengths of leave-one-out scoring it brought no measured gain. The
     * system property {@code -Dai.djl.pytorch.graph_optimizer=true|false}, when set, wins: DJL
     * applies it inside every forward.
     *
     * @param enabled true to run the optimizer
     * @return this builder
     */
    public Builder graphOptimizer(boolean enabled) {
      this.graphOptimizer = enabled;
      return this;
    }

    /**
     * Loads the model. Unless chosen before in this JVM, this first applies icm-djl's PyTorch
     * thread counts ({@link PyTorchThreads}).
     *
     * @return the loaded model; close it when done
     * @throws IllegalArgumentException when the directory, the model file or {@code icm4j-torchscript.json}
     *     is missing, {@code icm4j-torchscript.json} is invalid, or {@code maxLength} exceeds its {@code
     *     max_length}
     * @throws IcmException when the model cannot be loaded or returns arrays of the wrong shape
     */
    public TorchScriptLm build() {
      if (!Files.isDirectory(modelDir)) {
        throw new IllegalArgumentException(
            "model directory "
                + modelDir
                + " does not exist or is not a directory: give the directory that holds "
                + SETTINGS_FILE
                + " and the TorchScript (.pt) file");
      }
      TorchScriptConfig parsed = TorchScriptConfig.find(modelDir);
      Path file = findModelFile();
      PyTorchThreads.applyDefaults();
      return new TorchScriptLm(this, parsed, file);
    }

    private Path findModelFile() {
      if (modelFile != null) {
        Path file = modelDir.resolve(modelFile);
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException(
              "model file "
                  + file
                  + " does not exist: put the TorchScript file there or pass its name to"
                  + " TorchScriptLm.builder(dir).modelFile(name)");
        }
        return file;
      }
      Path fileName = modelDir.toAbsolutePath().normalize().getFileName();
      Path byDirName = modelDir.resolve((fileName == null ? "model" : fileName.toString()) + ".pt");
      Path byDefault = modelDir.resolve("model.pt");
      if (Files.isRegularFile(byDirName)) {
        return byDirName;
      }
      if (Files.isRegularFile(byDefault)) {
        return byDefault;
      }
      throw new IllegalArgumentException(
          "no model file in "
              + modelDir
              + ": looked for "
              + byDirName.getFileName()
              + " and model.pt; put the TorchScript file there or pass its name to"
              + " TorchScriptLm.builder(dir).modelFile(name)");
    }
  }

  /** Runs one token through the model so that a wrong interface or shape fails at load time. */
  private void probe() {
    try (NDManager manager = NDManager.newBaseManager(device)) {
      forward(manager, new long[] {0}, null);
    }
  }

  /**
   * Whether PyTorch's graph executor optimizer runs on this model's calls.
   *
   * @return whether PyTorch's graph executor optimizer runs on this model's calls
   */
  public boolean graphOptimizer() {
    return graphOptimizer;
  }

  /**
   * Which interface {@code icm4j-torchscript.json} declared.
   *
   * @return which interface {@code icm4j-torchscript.json} declared
   */
  public Interface modelInterface() {
    return config.modelInterface;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code modelDigest}: 32 hex digits of the SHA-256 of the TorchScript file's and {@code
   * icm4j-torchscript.json}'s sizes and first and last MiB, taken when the model was loaded (reads at most 4
   * MiB, however large the model).
   */
  @Override
  public java.util.Map<String, String> identity() {
    return java.util.Map.of("modelDigest", digest);
  }

  /**
   * The TorchScript file this model was loaded from.
   *
   * @return the TorchScript file this model was loaded from
   */
  public Path modelFile() {
    return modelFile;
  }

  /** The device the model runs on; returned arrays live there. */
  @Override
  public Device device() {
    return device;
  }

  /** {@inheritDoc} The {@code vocab_size} of {@code icm4j-torchscript.json}. */
  @Override
  public int vocabularySize() {
    return config.vocabularySize;
  }

  /**
   * {@inheritDoc} The {@code max_length} of {@code icm4j-torchscript.json}, or the smaller value given to
   * {@link Builder#maxLength}.
   */
  @Override
  public int maxLength() {
    return maxLength;
  }

  /** {@inheritDoc} True for {@link Interface#GPT2_PAST_KEY_VALUES}, false for {@link Interface#PLAIN}. */
  @Override
  public boolean reusesKeysAndValues() {
    return config.modelInterface == Interface.GPT2_PAST_KEY_VALUES;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The logits and the new cache's arrays are attached to {@code manager} (on this model's
   * device); intermediate arrays are closed before this method returns. The given cache is not
   * changed.
   *
   * @throws IllegalArgumentException when {@code tokens} is empty, a token id is outside {@code [0,
   *     vocabularySize())}, cached plus new tokens exceed {@link #maxLength()}, or the cache was not
   *     made by a model of this shape and interface
   * @throws IcmException when the model fails or returns arrays of the wrong shape
   * @throws IllegalStateException when this model is closed
   */
  @Override
  public Step forward(NDManager manager, long[] tokens, @Nullable KvCache cache) {
    requireNonNull(manager, "manager");
    requireNonNull(tokens, "tokens");
    if (closed) {
      throw new IllegalStateException("TorchScriptLm for " + modelFile + " is closed");
    }
    if (tokens.length == 0) {
      throw new IllegalArgumentException("tokens must hold at least one id, but was empty");
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabularySize) {
        throw new IllegalArgumentException(
            "token id "
                + tokens[i]
                + " at index "
                + i
                + " is outside the vocabulary [0, "
                + config.vocabularySize
                + ") of "
                + modelFile
                + ": use the tokenizer that belongs to this model");
      }
    }
    int cached = cache == null ? 0 : cache.length();
    if ((long) cached + tokens.length > maxLength) {
      throw new IllegalArgumentException(
          "cached ("
              + cached
              + ") plus new ("
              + tokens.length
              + ") tokens = "
              + ((long) cached + tokens.length)
              + " exceed maxLength "
              + maxLength
              + " of "
              + modelFile
              + ": "
              + TOO_LONG_REMEDY
              + " or shorter examples");
    }
    return convention.forward(manager, tokens, cache);
  }

  /** Releases the predictor and the model; later calls to {@link #forward} fail. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      module.close();
    }
  }

  /** The model file and its interface, vocabulary size and maximum length. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "TorchScriptLm[%s, interface=%s, vocabularySize=%d, maxLength=%d, device=%s,"
            + " graphOptimizer=%s]",
        modelFile,
        config.modelInterface.configName(),
        config.vocabularySize,
        maxLength,
        device,
        graphOptimizer);
  }
}
