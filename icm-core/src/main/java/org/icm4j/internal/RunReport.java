package org.icm4j.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.MutualPredictability;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.ChainSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.Provenance;
import org.icm4j.result.RunCounts;
import org.icm4j.result.RunStatus;

/** The result of a run or of merged batches: totals, warnings, suggestions and provenance. */
final class RunReport {
  private RunReport() {}

  /** What a batch's summary says may be wrong. */
  static List<IcmWarning> warnings(Engine.Config config, BatchSummary s) {
    List<IcmWarning> out = new ArrayList<>();
    if (s.cancelled()) {
      return out;
    }
    if (s.startsAtBest() < 2) {
      String more = config.search().adviceWhenUnconfirmed(config.chains());
      out.add(
          new IcmWarning(
              IcmWarning.Kind.UNCONFIRMED,
              s.index(),
              String.format(
                  java.util.Locale.ROOT,
                  "the best labeling (U %.4g) was reached by %d of %d starts%s: the search does not"
                      + " confirm it, and another labeling of higher U may exist; %s and check that"
                      + " the labels stay the same",
                  s.utility(),
                  s.startsAtBest(),
                  s.starts(),
                  Double.isNaN(s.runnerUpUtility())
                      ? ""
                      : String.format(java.util.Locale.ROOT, " (the best other ended at U %.4g)", s.runnerUpUtility()),
                  more)));
    }
    if (s.inconsistency() > 0) {
      out.add(
          new IcmWarning(
              IcmWarning.Kind.RULES_BROKEN,
              s.index(),
              "the labels break "
                  + s.inconsistency()
                  + " consistency rule"
                  + (s.inconsistency() == 1 ? "" : "s")
                  + " (I = "
                  + s.inconsistency()
                  + "): "
                  + config.search().adviceWhenRulesBroken()));
    }
    if (s.completed() > 0) {
      out.add(
          new IcmWarning(
              IcmWarning.Kind.COMPLETED_AFTER_SEARCH,
              s.index(),
              "the search labelled "
                  + (s.exampleIds().size() - s.completed())
                  + " of "
                  + s.exampleIds().size()
                  + " examples; the model labelled the other "
                  + s.completed()
                  + " from those (LabelSource.COMPLETION), labels the search never weighed against"
                  + " each other: the default search labels every example itself"));
    }
    return out;
  }

  static IcmResult result(
      Engine.Config config,
      List<Example> sorted,
      Map<String, String> labels,
      List<BatchSummary> summaries,
      List<LabelDetail> details,
      RunCounts counts,
      boolean cancelled,
      long started) {
    Map<String, LabelDetail> byId = new java.util.HashMap<>();
    for (LabelDetail d : details) {
      byId.put(d.exampleId(), d);
    }
    Map<String, String> groupOf = new java.util.HashMap<>();
    for (Example e : sorted) {
      groupOf.put(e.id(), e.group());
    }
    List<IcmWarning> warnings = new ArrayList<>();
    List<org.icm4j.result.LabelSuggestion> suggestions = new ArrayList<>();
    for (BatchSummary s : summaries) {
      warnings.addAll(warnings(config, s));
      if (!s.cancelled()) {
        warnings.addAll(Doubt.warnings(s, config.labelSpace(), labels, byId));
        suggestions.addAll(Doubt.suggestions(s, labels, byId, groupOf));
      }
    }
    return assemble(
        config, BatchLoop.labeling(config.labelSpace(), sorted, labels), summaries, details, counts, cancelled,
        Duration.ofNanos(System.nanoTime() - started), warnings, suggestions);
  }

  /** The result of these batches: their totals, and the suggestions in order of score. */
  static IcmResult assemble(
      Engine.Config config,
      Labeling labeling,
      List<BatchSummary> summaries,
      List<LabelDetail> details,
      RunCounts counts,
      boolean cancelled,
      Duration elapsed,
      List<IcmWarning> warnings,
      List<org.icm4j.result.LabelSuggestion> suggestions) {
    double utility = 0;
    double mp = 0;
    int inconsistency = 0;
    long labelledTotal = 0;
    List<IterationRecord> history = new ArrayList<>();
    for (BatchSummary s : summaries) {
      utility += s.utility();
      inconsistency += s.inconsistency();
      ChainSummary best = s.chains().get(s.bestChain());
      if (config.settings().measure() == MutualPredictability.SUM_LOG_PROB) {
        mp += s.mutualPredictability();
      } else {
        mp += s.mutualPredictability() * best.labelled();
        labelledTotal += best.labelled();
      }
      history.addAll(s.history());
    }
    if (config.settings().measure() == MutualPredictability.MEAN_SIGNED_LOG_ODDS && labelledTotal > 0) {
      mp /= labelledTotal;
    }
    List<org.icm4j.result.LabelSuggestion> sorted = new ArrayList<>(suggestions);
    sorted.sort(
        Comparator.comparingDouble(org.icm4j.result.LabelSuggestion::score)
            .reversed()
            .thenComparingInt(org.icm4j.result.LabelSuggestion::batch));
    return new IcmResult(
        labeling,
        utility,
        mp,
        inconsistency,
        cancelled ? RunStatus.CANCELLED : RunStatus.COMPLETE,
        counts,
        history,
        summaries,
        provenance(config),
        elapsed,
        details.stream().sorted(Comparator.comparing(LabelDetail::exampleId)).toList(),
        warnings,
        suggestions.isEmpty() ? List.of() : sorted);
  }

  static Provenance provenance(Engine.Config config) {
    return new Provenance(
        libraryVersion(),
        config.describe(),
        config.seed(),
        System.getProperty("java.version", "unknown"),
        System.getProperty("os.name", "unknown") + " " + System.getProperty("os.version", ""),
        System.getProperty("os.arch", "unknown"));
  }

  /** icm4j's version, from the properties file Maven writes at build time. */
  public static String libraryVersion() {
    try (InputStream in = Engine.class.getResourceAsStream("/org/icm4j/icm4j.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {@link org.icm4j.Icm#merge}. */
  public static IcmResult merge(Engine.Config config, List<IcmResult> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no results to merge: give the results of runBatch");
    }
    Map<String, String> configuration = config.describe();
    TreeMap<Integer, BatchSummary> byIndex = new TreeMap<>();
    List<LabelDetail> details = new ArrayList<>();
    Map<String, String> labels = new TreeMap<>();
    Set<String> unlabelled = new java.util.TreeSet<>();
    List<IcmWarning> warnings = new ArrayList<>();
    List<org.icm4j.result.LabelSuggestion> suggestions = new ArrayList<>();
    RunCounts counts = RunCounts.zero();
    boolean cancelled = false;
    Duration elapsed = Duration.ZERO;
    List<IcmResult> ordered = new ArrayList<>(parts);
    for (int i = 0; i < ordered.size(); i++) {
      IcmResult part = java.util.Objects.requireNonNull(ordered.get(i), "parts must not contain null");
      if (!part.provenance().configuration().equals(configuration)) {
        String key =
            new java.util.TreeSet<>(
                    com.google.common.collect.Sets.union(configuration.keySet(), part.provenance().configuration().keySet()))
                .stream()
                .filter(k -> !java.util.Objects.equals(configuration.get(k), part.provenance().configuration().get(k)))
                .findFirst()
                .orElse("?");
        throw new IllegalArgumentException(
            "result " + i + " was labelled with another configuration than this pipeline's ("
                + key + " is " + part.provenance().configuration().get(key) + " there, "
                + configuration.get(key) + " here): merge only the results of this pipeline's runBatch");
      }
      if (!part.labels().labelSpace().equals(config.labelSpace())) {
        throw new IllegalArgumentException("result " + i + " is in another label space");
      }
      for (BatchSummary s : part.batches()) {
        if (byIndex.put(s.index(), s) != null) {
          throw new IllegalArgumentException(
              "batch " + s.index() + " appears in more than one result: merge each batch's result once");
        }
      }
      details.addAll(part.details());
      labels.putAll(part.labels().asMap());
      unlabelled.addAll(part.labels().unlabelledIds());
      counts = counts.plus(part.counts());
      cancelled |= part.status() == RunStatus.CANCELLED;
      elapsed = elapsed.plus(part.elapsed());
    }
    ordered.sort(Comparator.comparingInt(r -> r.batches().isEmpty() ? -1 : r.batches().get(0).index()));
    for (IcmResult part : ordered) {
      warnings.addAll(part.warnings());
      suggestions.addAll(part.suggestions());
    }
    return assemble(
        config, new Labeling(config.labelSpace(), labels, unlabelled), new ArrayList<>(byIndex.values()),
        details, counts, cancelled, elapsed, warnings, suggestions);
  }
}
