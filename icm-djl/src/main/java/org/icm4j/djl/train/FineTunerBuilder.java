package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.icm4j.djl.CausalLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.text.PromptLayout;
import org.jspecify.annotations.Nullable;

/**
 * The settings {@link BlockLmFineTuner.Builder} and {@link TorchScriptFineTuner.Builder} share:
 * the tokenizer, the prompt layout, the training options, the returned scorers' leave-one-out
 * mode, the output directory and the progress listener. Each setter checks its value at once. Not
 * thread-safe.
 *
 * @param <B> the concrete builder
 */
public abstract class FineTunerBuilder<B extends FineTunerBuilder<B>> {
  private @Nullable TextTokenizer tokenizer;
  private PromptLayout template = PromptLayout.official();
  private FineTuneOptions options = FineTuneOptions.defaults();
  private DjlScorer.LeaveOneOut leaveOneOut = DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER;
  private @Nullable Path outputDirectory;
  private FineTuneListener listener = p -> {};

  FineTunerBuilder() {}

  abstract B self();

  /**
   * The model's tokenizer (required); not closed by the tuner.
   *
   * @param tokenizer the model's tokenizer (required)
   * @return this builder
   */
  public B tokenizer(TextTokenizer tokenizer) {
    this.tokenizer = requireNonNull(tokenizer, "tokenizer");
    return self();
  }

  /**
   * The prompt layout of training and of the returned scorers; default {@link PromptLayout#official()}.
   *
   * @param template the prompt layout of training and of the returned scorers
   * @return this builder
   */
  public B template(PromptLayout template) {
    this.template = requireNonNull(template, "template");
    return self();
  }

  /**
   * The training settings; default {@link FineTuneOptions#defaults()}.
   *
   * @param options the training settings
   * @return this builder
   */
  public B options(FineTuneOptions options) {
    this.options = requireNonNull(options, "options");
    return self();
  }

  /**
   * The leave-one-out mode of the returned scorers; default divide and conquer.
   *
   * @param mode the leave-one-out mode of the returned scorers
   * @return this builder
   */
  public B leaveOneOut(DjlScorer.LeaveOneOut mode) {
    this.leaveOneOut = requireNonNull(mode, "mode");
    return self();
  }

  /**
   * Saves each fine-tuned model in {@code round-RR/} of this directory (see the tuner for the default).
   *
   * @param directory saves each fine-tuned model in {@code round-RR/} of this directory (see the
   *     tuner for the default)
   * @return this builder
   */
  public B outputDirectory(Path directory) {
    this.outputDirectory = requireNonNull(directory, "directory");
    return self();
  }

  /**
   * Receives each epoch's progress.
   *
   * @param listener receives each epoch's progress
   * @return this builder
   */
  public B listener(FineTuneListener listener) {
    this.listener = requireNonNull(listener, "listener");
    return self();
  }

  /** The settings as a value; fails when the tokenizer is missing. */
  Settings settings() {
    checkState(tokenizer != null, "no tokenizer set: call tokenizer(TextTokenizer)");
    return new Settings(tokenizer, template, options, leaveOneOut, outputDirectory, listener);
  }

  /** The shared settings of a built tuner. Immutable. */
  record Settings(
      TextTokenizer tokenizer,
      PromptLayout template,
      FineTuneOptions options,
      DjlScorer.LeaveOneOut leaveOneOut,
      @Nullable Path outputDirectory,
      FineTuneListener listener) {

    /** A scorer over a model in this layout; it does not own the model or the tokenizer. */
    DjlScorer scorer(CausalLm lm) {
      return DjlScorer.builder()
          .model(lm)
          .tokenizer(tokenizer)
          .template(template)
          .leaveOneOut(leaveOneOut)
          .ownsResources(false)
          .build();
    }

    /** The training loop with these settings. */
    LabelTraining training(String baseName, int vocabularySize, int maxLength) {
      return new LabelTraining(tokenizer, template, options, listener, baseName, vocabularySize, maxLength);
    }
  }
}
