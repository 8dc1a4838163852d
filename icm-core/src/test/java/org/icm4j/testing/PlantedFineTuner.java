package org.icm4j.testing;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;

/**
 * A fine-tuner for {@link PlantedWorld} without a model: "fine-tuning" learns, for each pattern of
 * hidden features, the smoothed log-odds of True among the labelled examples of that pattern, and
 * the fine-tuned scorer adds {@code strength} times it to the log-odds of every prediction of the
 * world's scorer (with or without context). Like a fine-tuned model it answers unseen examples of
 * the same kind as those it was trained on, and it follows its labels, right or wrong. Every call
 * starts from the world's scorer; the seed is not needed (it is deterministic). Records every
 * request (for tests) and how many models are open. Thread-safe.
 */
public final class PlantedFineTuner implements FineTuner {
  private final PlantedWorld world;
  private final double strength;
  private final List<FineTuneRequest> requests = new ArrayList<>();
  private int open;

  /**
   * A fine-tuner over a world's scorer.
   *
   * @param world the world
   * @param strength the weight of the learnt log-odds (0: learns nothing)
   */
  public PlantedFineTuner(PlantedWorld world, double strength) {
    this.world = requireNonNull(world, "world");
    this.strength = strength;
  }

  @Override
  public synchronized FineTunedModel fineTune(FineTuneRequest request) {
    requests.add(requireNonNull(request, "request"));
    Map<Integer, int[]> counts = new HashMap<>();
    for (LabelledExample le : request.labelled()) {
      int[] c = counts.computeIfAbsent(world.pattern(le.example()), p -> new int[2]);
      c[le.label().equals("True") ? 0 : 1]++;
    }
    Map<Integer, Double> bias = new HashMap<>();
    counts.forEach((p, c) -> bias.put(p, strength * Math.log((c[0] + 1.0) / (c[1] + 1.0))));
    Tuned scorer = new Tuned(world.scorer(), Map.copyOf(bias));
    open++;
    Map<String, String> details = new LinkedHashMap<>();
    details.put("trainedOn", Integer.toString(request.labelled().size()));
    details.put("patterns", Integer.toString(bias.size()));
    return new FineTunedModel() {
      private boolean closed;

      @Override
      public LabelScorer scorer() {
        return scorer;
      }

      @Override
      public Map<String, String> details() {
        return details;
      }

      @Override
      public void close() {
        synchronized (PlantedFineTuner.this) {
          if (!closed) {
            closed = true;
            open--;
          }
        }
      }
    };
  }

  /** Every request received, in order. */
  public synchronized List<FineTuneRequest> requests() {
    return List.copyOf(requests);
  }

  /** Models returned and not yet closed. */
  public synchronized int openModels() {
    return open;
  }

  /** The world's scorer plus the learnt log-odds of the query's pattern. */
  private final class Tuned implements LabelScorer {
    private final LabelScorer base;
    private final Map<Integer, Double> bias;

    Tuned(LabelScorer base, Map<Integer, Double> bias) {
      this.base = base;
      this.bias = bias;
    }

    private double[] shift(LabelSpace space, double[] row, int pattern) {
      double b = bias.getOrDefault(pattern, 0.0);
      double[] out = row.clone();
      for (int i = 0; i < out.length; i++) {
        if (space.name(i).equals("True")) {
          out[i] += b / 2;
        } else {
          out[i] -= b / 2;
        }
      }
      return out;
    }

    @Override
    public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
      ScoreResult r = base.score(space, requests);
      List<double[]> rows = new ArrayList<>(r.size());
      for (int i = 0; i < r.size(); i++) {
        rows.add(shift(space, r.row(i), world.pattern(requests.get(i).query())));
      }
      return new ScoreResult(rows, r.tokens());
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace space, List<LabelledExample> labelled) {
      ScoreResult r = base.scoreLeaveOneOut(space, labelled);
      List<double[]> rows = new ArrayList<>(r.size());
      for (int i = 0; i < r.size(); i++) {
        rows.add(shift(space, r.row(i), world.pattern(labelled.get(i).example())));
      }
      return new ScoreResult(rows, r.tokens());
    }

    @Override
    public String toString() {
      return "PlantedFineTuner.Tuned(" + bias.size() + " patterns)";
    }
  }
}
