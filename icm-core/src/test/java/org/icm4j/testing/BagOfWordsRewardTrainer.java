package org.icm4j.testing;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardModel;
import org.icm4j.spi.reward.RewardTrainer;
import org.icm4j.spi.reward.RewardTrainingRequest;

/**
 * A reward trainer without a model, for tests: it learns one weight per word of the responses'
 * prompts (words split at spaces), the number of pairs whose chosen response holds the word minus
 * the number whose rejected one does, and a response's reward is the sum of its words' weights
 * times {@code strength}. Like a trained reward model it scores responses it was not trained on
 * (through their words) and follows its pairs, right or wrong. Every call starts from zero weights;
 * the seed is not needed (it is deterministic). Counts the models it made and closed. Thread-safe.
 */
public final class BagOfWordsRewardTrainer implements RewardTrainer {
  private final double strength;
  private int trained;
  private int closed;

  /**
   * A trainer.
   *
   * @param strength the scale of the rewards (0: learns nothing)
   */
  public BagOfWordsRewardTrainer(double strength) {
    this.strength = strength;
  }

  @Override
  public synchronized RewardModel train(RewardTrainingRequest request) {
    requireNonNull(request, "request");
    Map<String, Integer> weights = new HashMap<>();
    for (PreferencePair p : request.pairs()) {
      for (String w : words(p.chosen())) {
        weights.merge(w, 1, Integer::sum);
      }
      for (String w : words(p.rejected())) {
        weights.merge(w, -1, Integer::sum);
      }
    }
    Map<String, Integer> frozen = Map.copyOf(weights);
    trained++;
    Map<String, String> details = new LinkedHashMap<>();
    details.put("pairs", Integer.toString(request.pairs().size()));
    details.put("words", Integer.toString(frozen.size()));
    return new RewardModel() {
      private boolean done;

      @Override
      public double[] rewards(List<Example> responses) {
        double[] out = new double[responses.size()];
        for (int i = 0; i < out.length; i++) {
          double sum = 0;
          for (String w : words(responses.get(i))) {
            sum += frozen.getOrDefault(w, 0);
          }
          out[i] = strength * sum;
        }
        return out;
      }

      @Override
      public Map<String, String> details() {
        return details;
      }

      @Override
      public void close() {
        synchronized (BagOfWordsRewardTrainer.this) {
          if (!done) {
            done = true;
            closed++;
          }
        }
      }
    };
  }

  /** Models trained so far. */
  public synchronized int trained() {
    return trained;
  }

  /** Models trained and not closed. */
  public synchronized int open() {
    return trained - closed;
  }

  private static List<String> words(Example e) {
    return List.of(e.prompt().trim().split("\\s+"));
  }
}
