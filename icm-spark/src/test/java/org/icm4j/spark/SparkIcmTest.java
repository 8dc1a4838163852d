package org.icm4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.icm4j.BatchPlan;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.Rules;
import org.icm4j.io.Jsonl;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark job on {@code local[2]} labels the planted world batch by batch and gets the labels of
 * one sequential {@link Icm#run} with the same seed, byte for byte; again when a task fails once
 * and Spark retries it.
 */
class SparkIcmTest {
  /** 96 examples in groups of 4; batches of 12: 8 batches. */
  static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(24, 3));
  /** How often the failing scorer has failed (one JVM in local mode). */
  static final AtomicInteger FAILURES = new AtomicInteger();

  private static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder()
        .master("local[2,3]") // 2 task slots, a task is tried up to 3 times (local mode's spark.task.maxFailures)
        .appName("icm4j-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        // tiny jobs: compiling generated code costs more than it saves
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  static Icm pipeline(LabelScorer scorer) {
    return Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"))
        .batchSize(12).seed(5).build();
  }

  private Dataset<ExampleRow> examples() {
    List<ExampleRow> rows = WORLD.examples().stream().map(ExampleRow::of).toList();
    return spark.createDataset(rows, Encoders.bean(ExampleRow.class));
  }

  private static byte[] sequential;

  /** The labels of one sequential run, as Jsonl.writeLabels writes them (computed once). */
  private synchronized byte[] sequential() throws Exception {
    if (sequential == null) {
      Path file = dir.resolve("sequential.jsonl");
      Jsonl.writeLabels(file, pipeline(WORLD.scorer()).run(WORLD.examples()).labels());
      sequential = Files.readAllBytes(file);
    }
    return sequential;
  }

  private byte[] onSpark(SparkIcm job, String name) throws Exception {
    Path file = dir.resolve(name + ".jsonl");
    SparkIcm.writeLabels(job.label(examples()), LabelSpace.binary(), file);
    return Files.readAllBytes(file);
  }

  @Test
  void eightBatchesAsSparkTasksGiveTheLabelsOfOneSequentialRun() throws Exception {
    SparkIcm job = SparkIcm.builder().icm(SparkIcmTest::pipeline).scorers(() -> WORLD.scorer()).build();
    BatchPlan plan = job.plan(examples());
    assertThat(plan.size()).isEqualTo(8);
    assertThat(plan).isEqualTo(pipeline(WORLD.scorer()).plan(WORLD.examples()));

    byte[] spark = onSpark(job, "spark");
    byte[] sequential = sequential();
    assertThat(new String(spark, java.nio.charset.StandardCharsets.UTF_8).lines()).hasSize(96);
    assertThat(spark).isEqualTo(sequential);
    assertThat(job.scorersMadeHere()).as("one scorer per task slot, reused across batches").isBetween(1, 2);
  }

  @Test
  void examplesReadFromJsonLinesByTheExecutorsGiveTheSameLabels() throws Exception {
    Path file = dir.resolve("examples.jsonl");
    Jsonl.writeExamples(file, WORLD.examples());
    SparkIcm job = SparkIcm.builder().icm(SparkIcmTest::pipeline).scorers(() -> WORLD.scorer()).build();
    Path out = dir.resolve("from-jsonl.jsonl");
    SparkIcm.writeLabels(job.label(SparkIcm.readExamples(spark, file.toString())), LabelSpace.binary(), out);
    assertThat(Files.readAllBytes(out)).isEqualTo(sequential());
  }

  @Test
  void twoWavesOfBatchesGiveTheLabelsOfTheWholeJob() throws Exception {
    SparkIcm job = SparkIcm.builder().icm(SparkIcmTest::pipeline).scorers(() -> WORLD.scorer()).build();
    List<LabelRow> first = job.label(examples(), 0, 3).collectAsList();
    List<LabelRow> second = job.label(examples(), 3, 8).collectAsList();
    assertThat(first.stream().map(LabelRow::getBatchIndex).distinct().sorted().toList()).containsExactly(0, 1, 2);
    assertThat(second.stream().map(LabelRow::getBatchIndex).distinct().sorted().toList()).containsExactly(3, 4, 5, 6, 7);
    java.util.Map<String, String> labels = new java.util.HashMap<>();
    for (LabelRow r : first) {
      labels.put(r.getId(), r.getLabel());
    }
    for (LabelRow r : second) {
      assertThat(labels.put(r.getId(), r.getLabel())).as("'%s' in both waves", r.getId()).isNull();
    }
    Path file = dir.resolve("waves.jsonl");
    Jsonl.writeLabels(file, org.icm4j.Labeling.of(LabelSpace.binary(), labels));
    assertThat(Files.readAllBytes(file)).isEqualTo(sequential());
    assertThatThrownBy(() -> job.label(examples(), 8, 9))
        .hasMessage("the wave starts at batch 8 but the plan has 8 batches (0 to 7)");
  }

  @Test
  void aTaskThatFailsOnceIsRetriedAndGivesTheSameLabels() throws Exception {
    FAILURES.set(0);
    String victim = WORLD.examples().get(40).id();
    SparkIcm job = SparkIcm.builder().icm(SparkIcmTest::pipeline)
        .scorers(() -> new FailingOnFirstAttempt(WORLD.scorer(), victim)).build();
    byte[] spark = onSpark(job, "retried");
    assertThat(FAILURES.get()).as("the task holding '%s' failed once, then Spark retried it", victim).isEqualTo(1);
    assertThat(spark).isEqualTo(sequential());
  }

  @Test
  void aTaskThatKeepsFailingFailsTheJobNamingTheExample() {
    String victim = WORLD.examples().get(7).id();
    SparkIcm job = SparkIcm.builder().icm(SparkIcmTest::pipeline)
        .scorers(() -> new FailingOnFirstAttempt(WORLD.scorer(), victim, Integer.MAX_VALUE)).build();
    assertThatThrownBy(() -> job.label(examples()).collectAsList())
        .hasStackTraceContaining("planted failure in the batch of '" + victim + "'");
  }

  @Test
  void builder_namesWhatIsMissing() {
    assertThatThrownBy(() -> SparkIcm.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("icm(scorer -> Icm.builder()...build()) and scorers(() -> yourScorer)");
  }

  /** Fails the batch holding {@code victim} on a task's first {@code attempts} attempts. */
  static final class FailingOnFirstAttempt implements LabelScorer {
    private final LabelScorer delegate;
    private final String victim;
    private final int attempts;

    FailingOnFirstAttempt(LabelScorer delegate, String victim) {
      this(delegate, victim, 1);
    }

    FailingOnFirstAttempt(LabelScorer delegate, String victim, int attempts) {
      this.delegate = delegate;
      this.victim = victim;
      this.attempts = attempts;
    }

    @Override
    public void checkBatch(LabelSpace labels, List<Example> batch) {
      if (batch.stream().anyMatch(e -> e.id().equals(victim)) && TaskContext.get().attemptNumber() < attempts) {
        FAILURES.incrementAndGet();
        throw new IllegalStateException("planted failure in the batch of '" + victim + "'");
      }
      delegate.checkBatch(labels, batch);
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      return delegate.score(labels, requests);
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      return delegate.scoreLeaveOneOut(labels, labelled);
    }

    @Override
    public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
      return delegate.leaveOneOutRequests(labelled);
    }
  }
}
