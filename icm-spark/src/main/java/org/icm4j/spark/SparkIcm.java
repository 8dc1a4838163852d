package org.icm4j.spark;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.icm4j.BatchPlan;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.PlannedBatch;
import org.icm4j.io.Jsonl;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;
import scala.Tuple3;

/**
 * Labels a Spark {@code Dataset} of examples with ICM, one {@link Icm#runBatch} per batch of the
 * pipeline's {@link BatchPlan}, as Spark tasks: the driver plans the batches from the examples'
 * ids, groups and attributes (no prompt leaves the executors, no scorer is called), the examples
 * are grouped by batch ({@code groupByKey}), and each group is labelled on an executor with a
 * scorer of that executor. The labels equal those of one sequential {@link Icm#run} on the same
 * examples with the same pipeline and seed, byte for byte, whatever the partitioning, the order in
 * which batches run or how often a failed task is retried: a batch's chain seeds derive from the
 * run's seed and the batch's key.
 *
 * <pre>{@code
 * SparkIcm job = SparkIcm.builder()
 *     .icm(scorer -> Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).batchSize(256).seed(42).build())
 *     .scorers(() -> HttpScorer.builder().endpoint("http://router:8000").engine(Engine.VLLM)
 *         .routingHeader(HttpScorer.SESSION_ID_HEADER).build())
 *     .build();
 * Dataset<LabelRow> labels = job.label(examples);          // lazy: a Spark plan
 * SparkIcm.writeLabels(labels, LabelSpace.binary(), Path.of("labels.jsonl"));
 * }</pre>
 *
 * <p>Failures: a scorer call that fails fails its task (the {@code IcmException} names the
 * example); Spark retries the task ({@code spark.task.maxFailures}), which labels its batches again
 * from the start and gets the same labels. The {@link Icm.Builder#batchHook} is not called
 * (batches run apart); iterative fine-tuning runs as waves from the driver (docs/scale.md).
 * Immutable and thread-safe; serializable (Spark ships it to the executors).
 */
public final class SparkIcm implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String PLANNING_PROMPT = "(not needed to plan)";

  private final IcmFactory icm;
  private final ScorerFactory scorers;
  private final String job;

  private SparkIcm(Builder b) {
    this.icm = requireNonNull(b.icm);
    this.scorers = requireNonNull(b.scorers);
    this.job = UUID.randomUUID().toString();
  }

  /** A builder; {@link Builder#icm} and {@link Builder#scorers} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The plan the job labels by: {@link Icm#plan} of the examples' ids, groups and attributes,
   * computed on the driver.
   *
   * @param examples rows with distinct, non-null ids
   * @return the plan
   */
  public BatchPlan plan(Dataset<ExampleRow> examples) {
    requireNonNull(examples, "examples");
    List<Example> planning = new ArrayList<>();
    for (Row r : examples.select("id", "group", "attributes").collectAsList()) {
      String id = r.getString(0);
      if (id == null) {
        throw new IllegalArgumentException("an example row has no id: every row needs an id and a prompt");
      }
      String group = r.isNullAt(1) ? id : r.getString(1);
      Map<String, String> attributes = r.isNullAt(2) ? Map.of() : r.getJavaMap(2);
      planning.add(new Example(id, PLANNING_PROMPT, group, attributes));
    }
    return icm.create(new PlanningScorer()).plan(planning);
  }

  /**
   * The labels of every example, one row each, computed lazily by Spark (an action such as {@code
   * collect}, {@code write} or {@link #writeLabels} runs the job). Plans on the driver at once.
   *
   * @param examples rows with distinct ids and non-empty prompts
   * @return one {@link LabelRow} per example
   */
  public Dataset<LabelRow> label(Dataset<ExampleRow> examples) {
    return label(examples, 0, Integer.MAX_VALUE);
  }

  /**
   * The labels of the batches {@code from} (inclusive) to {@code to} (exclusive) of the plan of
   * all {@code examples}: one wave of a job that changes the served model between waves (label a
   * wave, fine-tune on its labels, serve the new model, label the next wave; docs/scale.md). The
   * plan is always that of every example, so a batch is the same in a wave as in a whole run.
   *
   * @param examples every example of the job
   * @param from the first batch index of the wave, {@code >= 0}
   * @param to one past the last batch index of the wave, {@code > from} (indexes past the plan's
   *     end are ignored)
   * @return one {@link LabelRow} per example of the wave's batches
   */
  public Dataset<LabelRow> label(Dataset<ExampleRow> examples, int from, int to) {
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException(
          "a wave is batches from (>= 0) to (> from), but was from " + from + " to " + to);
    }
    BatchPlan plan = plan(examples);
    if (from >= plan.size()) {
      throw new IllegalArgumentException(
          "the wave starts at batch " + from + " but the plan has " + plan.size() + " batches (0 to "
              + (plan.size() - 1) + ")");
    }
    SparkSession spark = examples.sparkSession();
    List<Tuple3<String, Integer, String>> assignment = new ArrayList<>();
    for (PlannedBatch b : plan.batches().subList(from, Math.min(to, plan.size()))) {
      for (String id : b.exampleIds()) {
        assignment.add(new Tuple3<>(id, b.index(), b.key()));
      }
    }
    Dataset<Row> batchOf = spark
        .createDataset(assignment, Encoders.tuple(Encoders.STRING(), Encoders.INT(), Encoders.STRING()))
        .toDF("id", "icm4j_batch_index", "icm4j_batch_key");
    Dataset<Row> joined = examples.toDF().join(batchOf, "id");
    return joined
        .groupByKey((MapFunction<Row, Integer>) r -> r.getAs("icm4j_batch_index"), Encoders.INT())
        .flatMapGroups(new LabelBatch(icm, scorers, job, plan.size()), Encoders.bean(LabelRow.class));
  }

  /**
   * The schema of {@link ExampleRow}: {@code id}, {@code prompt}, {@code group} strings and {@code
   * attributes} as a map of strings, the fields of {@link Jsonl#writeExamples}'s lines.
   */
  public static StructType exampleSchema() {
    return new StructType()
        .add("id", DataTypes.StringType)
        .add("prompt", DataTypes.StringType)
        .add("group", DataTypes.StringType)
        .add("attributes", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
  }

  /**
   * Reads examples from JSON Lines files in {@link Jsonl#writeExamples}'s format (a file or a
   * directory of them, on any file system Spark reads), spread over the cluster: with {@link
   * #exampleSchema()}, so {@code attributes} objects become maps and missing fields are null
   * ({@code group}: the example's own group).
   */
  public static Dataset<ExampleRow> readExamples(SparkSession spark, String path) {
    requireNonNull(spark, "spark");
    requireNonNull(path, "path");
    return spark.read().schema(exampleSchema()).json(path).as(Encoders.bean(ExampleRow.class));
  }

  /**
   * Collects the labels on the driver as a {@link Labeling} (an example whose label is {@code
   * null} is unlabelled).
   */
  public static Labeling labels(Dataset<LabelRow> rows, LabelSpace labelSpace) {
    requireNonNull(rows, "rows");
    requireNonNull(labelSpace, "labelSpace");
    Map<String, String> labels = new HashMap<>();
    Set<String> unlabelled = new HashSet<>();
    for (LabelRow r : rows.collectAsList()) {
      String id = requireNonNull(r.getId(), "a label row has no id");
      if (r.getLabel() == null) {
        unlabelled.add(id);
      } else {
        labels.put(id, r.getLabel());
      }
    }
    return new Labeling(labelSpace, labels, unlabelled);
  }

  /**
   * Writes the labels as {@link Jsonl#writeLabels} does for a sequential run: the same bytes for
   * the same labels. (For data sets too large for the driver, write the rows with Spark's own
   * {@code rows.write().json(dir)}: one JSON object per label, in partition files.)
   */
  public static void writeLabels(Dataset<LabelRow> rows, LabelSpace labelSpace, Path file) {
    Jsonl.writeLabels(requireNonNull(file, "file"), labels(rows, labelSpace));
  }

  /** How many scorers this JVM has made for this job (one per task slot that ran here). */
  int scorersMadeHere() {
    return ExecutorScorers.created(job);
  }

  /** Labels the examples of one batch on an executor. */
  private static final class LabelBatch implements FlatMapGroupsFunction<Integer, Row, LabelRow> {
    private static final long serialVersionUID = 1L;
    private final IcmFactory icm;
    private final ScorerFactory scorers;
    private final String job;
    private final int planSize;

    LabelBatch(IcmFactory icm, ScorerFactory scorers, String job, int planSize) {
      this.icm = icm;
      this.scorers = scorers;
      this.job = job;
      this.planSize = planSize;
    }

    @Override
    public Iterator<LabelRow> call(Integer index, Iterator<Row> rows) {
      List<Example> examples = new ArrayList<>();
      String key = null;
      while (rows.hasNext()) {
        Row r = rows.next();
        String id = r.getAs("id");
        String prompt = r.getAs("prompt");
        if (prompt == null) {
          throw new IllegalArgumentException("example row '" + id + "' has no prompt: every row needs an id and a prompt");
        }
        String group = r.getAs("group");
        int a = r.fieldIndex("attributes");
        Map<String, String> attributes = r.isNullAt(a) ? Map.of() : r.getJavaMap(a);
        examples.add(new Example(id, prompt, group == null ? id : group, attributes));
        key = r.getAs("icm4j_batch_key");
      }
      List<String> ids = new ArrayList<>(examples.stream().map(Example::id).toList());
      Collections.sort(ids);
      PlannedBatch batch = new PlannedBatch(index, planSize, requireNonNull(key), ids);
      LabelScorer scorer = ExecutorScorers.borrow(job, scorers);
      IcmResult result;
      try {
        result = icm.create(scorer).runBatch(batch, examples);
      } finally {
        ExecutorScorers.giveBack(job, scorer);
      }
      List<LabelRow> out = new ArrayList<>(ids.size());
      for (String id : ids) {
        out.add(LabelRow.of(id, result.labels().label(id).orElse(null), index, key));
      }
      return out.iterator();
    }
  }

  /** The driver's scorer: planning never scores, so every call is a bug. */
  private static final class PlanningScorer implements LabelScorer {
    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      throw new IllegalStateException("the driver plans batches and never scores: this is a bug in icm-spark");
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      throw new IllegalStateException("the driver plans batches and never scores: this is a bug in icm-spark");
    }
  }

  /** Builds a {@link SparkIcm}. Not thread-safe. */
  public static final class Builder {
    private @Nullable IcmFactory icm;
    private @Nullable ScorerFactory scorers;

    private Builder() {}

    /** The pipeline around a scorer (rules, label space, batch size, search, seed). Required. */
    public Builder icm(IcmFactory icm) {
      this.icm = requireNonNull(icm, "icm");
      return this;
    }

    /** Makes the executors' scorers (one per task slot, reused). Required. */
    public Builder scorers(ScorerFactory scorers) {
      this.scorers = requireNonNull(scorers, "scorers");
      return this;
    }

    /**
     * The job.
     *
     * @throws IllegalStateException when {@link #icm} or {@link #scorers} was not set
     */
    public SparkIcm build() {
      if (icm == null || scorers == null) {
        throw new IllegalStateException(
            "SparkIcm needs " + (icm == null ? "icm(scorer -> Icm.builder()...build())" : "")
                + (icm == null && scorers == null ? " and " : "")
                + (scorers == null ? "scorers(() -> yourScorer)" : "") + ": set "
                + (icm == null && scorers == null ? "both" : "it") + " before build()");
      }
      return new SparkIcm(this);
    }
  }
}
