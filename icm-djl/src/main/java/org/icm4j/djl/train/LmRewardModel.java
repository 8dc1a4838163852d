package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RewardModel} that is a language model's own label log-odds: the reward of a response is
 * {@code log P(positive | prompt) - log P(negative | prompt)}, the model's log-odds that the claim
 * holds, read zero-shot by a {@link DjlScorer} (full-vocabulary label log-probabilities, the
 * template's verbalizers, e.g. {@code " True"} and {@code " False"}). The base model's rewards are
 * its zero-shot answers; {@link BradleyTerryTrainer} trains them on preference pairs. No new
 * weights: the label head is the LM's own output head.
 *
 * <pre>{@code
 * try (LmRewardModel rm = LmRewardModel.builder().model(BlockLm.load(dir, Device.cpu()))
 *         .tokenizer(tokenizer).build()) {
 *   double r = rm.reward(Example.of("c1", "e12 colour red :"));
 *   rm.save(Path.of("reward-model"));   // LmRewardModel.load(Path.of("reward-model"), tokenizer, Device.cpu())
 * }
 * }</pre>
 *
 * <p>A saved model is a {@link BlockLm} directory ({@link BlockLm#save}) with {@value #FILE} beside
 * it: the two labels, the template and the training details.
 *
 * <p>Thread-safe: calls are serialized by the scorer (the model runs one call at a time); do not
 * use the {@link BlockLm} elsewhere meanwhile. {@link #close()} closes the model when this reward
 * model owns it (models returned by {@link BradleyTerryTrainer} and {@link #load} do), never the
 * tokenizer.
 */
public final class LmRewardModel implements RewardModel {

  /** File name of the reward model's settings in a saved directory. */
  public static final String FILE = "reward-model.json";

  private static final String FORMAT = "icm4j-lm-reward-model";
  private static final int FORMAT_VERSION = 1;

  private final BlockLm lm;
  private final DjlScorer scorer;
  private final PromptLayout template;
  private final LabelSpace labels;
  private final boolean ownsModel;
  private final Map<String, String> details;
  private boolean closed;

  private LmRewardModel(Builder b) {
    this.lm = requireNonNull(b.model);
    this.template = b.template;
    this.labels = LabelSpace.of(b.positive, b.negative);
    this.ownsModel = b.ownsModel;
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(b.details));
    this.scorer =
        DjlScorer.builder()
            .model(lm)
            .tokenizer(requireNonNull(b.tokenizer))
            .template(template)
            .ownsResources(false)
            .build();
  }

  /**
   * A builder; {@link Builder#model} and {@link Builder#tokenizer} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The rewards of some responses: each its prompt's log-odds of the positive label against the
   * negative one, with no context.
   *
   * @param responses the responses (their prompts end without a trailing space, as every prompt
   *     of {@link DjlScorer})
   * @return one finite reward per response, in order
   * @throws IcmException naming the response when its prompt cannot be scored (a word outside the
   *     vocabulary, a prompt longer than the model's context)
   * @throws IllegalStateException when this model is closed
   */
  @Override
  public synchronized double[] rewards(List<Example> responses) {
    requireNonNull(responses, "responses");
    checkState(!closed, "this LmRewardModel is closed");
    if (responses.isEmpty()) {
      return new double[0];
    }
    List<ScoreRequest> requests = new ArrayList<>(responses.size());
    for (Example e : responses) {
      requests.add(new ScoreRequest(requireNonNull(e, "responses must not contain null"), List.of()));
    }
    ScoreResult rows = scorer.score(labels, requests);
    double[] out = new double[responses.size()];
    for (int i = 0; i < out.length; i++) {
      double[] row = rows.row(i);
      out[i] = row[0] - row[1];
    }
    return out;
  }

  /** How the model was trained (empty for a base model), in a stable order. */
  @Override
  public Map<String, String> details() {
    return details;
  }

  /**
   * The label whose log-probability the reward adds, e.g. {@code "True"}.
   *
   * @return the label whose log-probability the reward adds
   */
  public String positiveLabel() {
    return labels.name(0);
  }

  /**
   * The label whose log-probability the reward subtracts, e.g. {@code "False"}.
   *
   * @return the label whose log-probability the reward subtracts
   */
  public String negativeLabel() {
    return labels.name(1);
  }

  /**
   * The prompt layout (verbalizers of the two labels).
   *
   * @return the prompt layout (verbalizers of the two labels)
   */
  public PromptLayout template() {
    return template;
  }

  /**
   * The language model; valid until {@link #close()} when this reward model owns it.
   *
   * @return the language model
   */
  public BlockLm model() {
    return lm;
  }

  /**
   * Saves the model in {@code dir}: {@link BlockLm#save}'s files and {@value #FILE}.
   *
   * @param dir the directory (created if needed; a model saved there before is replaced)
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public synchronized void save(Path dir) {
    requireNonNull(dir, "dir");
    checkState(!closed, "this LmRewardModel is closed");
    lm.save(dir);
    JsonObject o = new JsonObject();
    o.addProperty("format", FORMAT);
    o.addProperty("formatVersion", FORMAT_VERSION);
    o.addProperty("positive", positiveLabel());
    o.addProperty("negative", negativeLabel());
    JsonObject verbalizers = new JsonObject();
    new TreeMap<>(template.verbalizers()).forEach(verbalizers::addProperty);
    o.add("verbalizers", verbalizers);
    o.addProperty("separator", template.separator());
    JsonObject d = new JsonObject();
    details.forEach(d::addProperty);
    o.add("details", d);
    Path file = dir.resolve(FILE);
    Path tmp = dir.resolve(FILE + ".tmp");
    try {
      Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Loads a model saved by {@link #save}; the returned model owns the language model.
   *
   * @param dir the directory
   * @param tokenizer the tokenizer the model was trained with (not closed by the model)
   * @param device where the parameters will live
   * @return the model; close it when done
   * @throws IcmException when {@value #FILE} or the language model is missing or malformed
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  public static LmRewardModel load(Path dir, TextTokenizer tokenizer, Device device) {
    requireNonNull(dir, "dir");
    requireNonNull(tokenizer, "tokenizer");
    requireNonNull(device, "device");
    Path file = dir.resolve(FILE);
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new IcmException("no " + FILE + " in " + dir + ": save the reward model there with LmRewardModel.save", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (JsonParseException | IllegalStateException e) {
      throw new IcmException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String format = text(o, "format", file);
    if (!FORMAT.equals(format) || member(o, "formatVersion", file).getAsInt() != FORMAT_VERSION) {
      throw new IcmException(
          file + " holds format " + format + " version " + member(o, "formatVersion", file)
              + ", but LmRewardModel reads " + FORMAT + " version " + FORMAT_VERSION);
    }
    Map<String, String> verbalizers = new TreeMap<>();
    member(o, "verbalizers", file).getAsJsonObject().entrySet()
        .forEach(e -> verbalizers.put(e.getKey(), e.getValue().getAsString()));
    Map<String, String> details = new LinkedHashMap<>();
    JsonElement d = o.get("details");
    if (d != null && d.isJsonObject()) {
      d.getAsJsonObject().entrySet().forEach(e -> details.put(e.getKey(), e.getValue().getAsString()));
    }
    BlockLm lm = BlockLm.load(dir, device);
    try {
      return builder()
          .model(lm)
          .tokenizer(tokenizer)
          .template(new PromptLayout(verbalizers, text(o, "separator", file)))
          .labels(text(o, "positive", file), text(o, "negative", file))
          .ownsModel(true)
          .details(details)
          .build();
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /** Checks a positive and a negative label: two different non-blank labels. */
  static void checkLabels(String positive, String negative) {
    requireNonNull(positive, "positive");
    requireNonNull(negative, "negative");
    checkArgument(
        !positive.isBlank() && !negative.isBlank() && !positive.equals(negative),
        "the positive and negative labels must be two different non-blank labels, but were '%s' and '%s'",
        positive,
        negative);
  }

  private static JsonElement member(JsonObject o, String name, Path file) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      throw new IcmException(file + " has no \"" + name + "\"");
    }
    return e;
  }

  private static String text(JsonObject o, String name, Path file) {
    return member(o, name, file).getAsString();
  }

  /** Closes the scorer, and the model when this reward model owns it. Calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      scorer.close();
      if (ownsModel) {
        lm.close();
      }
    }
  }

  @Override
  public String toString() {
    return "LmRewardModel(" + lm.config() + ", " + positiveLabel() + " vs " + negativeLabel() + ")";
  }

  /** Configures an {@link LmRewardModel}. Each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private @Nullable BlockLm model;
    private @Nullable TextTokenizer tokenizer;
    private PromptLayout template = PromptLayout.official();
    private String positive = "True";
    private String negative = "False";
    private boolean ownsModel;
    private Map<String, String> details = Map.of();

    private Builder() {}

    /**
     * The language model (required); see {@link #ownsModel}.
     *
     * @param model the language model (required)
     * @return this builder
     */
    public Builder model(BlockLm model) {
      this.model = requireNonNull(model, "model");
      return this;
    }

    /**
     * The model's tokenizer (required); never closed by the reward model.
     *
     * @param tokenizer the model's tokenizer (required)
     * @return this builder
     */
    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /**
     * The layout of the labels after a prompt; default {@link PromptLayout#official()}.
     *
     * @param template the layout of the labels after a prompt
     * @return this builder
     */
    public Builder template(PromptLayout template) {
      this.template = requireNonNull(template, "template");
      return this;
    }

    /**
     * The label whose log-probability is the reward and the one subtracted from it; default
     * {@code "True"} and {@code "False"}.
     *
     * @throws IllegalArgumentException when they are equal or blank
     *
     * @param positive the label whose log-odds is the reward
     * @param negative the other label
     * @return this builder
     */
    public Builder labels(String positive, String negative) {
      checkLabels(positive, negative);
      this.positive = positive;
      this.negative = negative;
      return this;
    }

    /**
     * Whether {@link LmRewardModel#close()} closes the model; default {@code false}.
     *
     * @param owns whether {@link LmRewardModel#close()} closes the model
     * @return this builder
     */
    public Builder ownsModel(boolean owns) {
      this.ownsModel = owns;
      return this;
    }

    /**
     * What training did, reported by {@link LmRewardModel#details()}; default none.
     *
     * @param details what training reported, by name (copied)
     * @return this builder
     */
    public Builder details(Map<String, String> details) {
      requireNonNull(details, "details").forEach((k, v) -> requireNonNull(v, () -> "detail '" + k + "'"));
      this.details = new LinkedHashMap<>(details);
      return this;
    }

    /**
     * Builds the reward model.
     *
     * @throws IllegalStateException when the model or the tokenizer is missing
     *
     * @return the reward model
     */
    public LmRewardModel build() {
      checkState(model != null, "no model set: call model(BlockLm)");
      checkState(tokenizer != null, "no tokenizer set: call tokenizer(TextTokenizer)");
      return new LmRewardModel(this);
    }
  }
}
