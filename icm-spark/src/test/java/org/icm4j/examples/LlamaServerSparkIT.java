package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.InferenceServerException;
import org.icm4j.io.Jsonl;
import org.icm4j.spark.ExampleRow;
import org.icm4j.spark.LabelRow;
import org.icm4j.spark.SparkIcm;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The scale demonstration on one machine (docs/scale.md): Spark {@code local[2]} labels 64 claims of
 * the world in 8 batches, one {@code Icm.runBatch} per batch as Spark tasks, each task's {@link
 * HttpScorer} sending its batch's routing key to HAProxy in front of two {@code llama-server}
 * replicas of the embedded world model (two slots each: two tasks run at once). Checked from the
 * servers' and HAProxy's logs: every batch's requests reached one replica; the labels equal a
 * sequential {@code Icm.run} against one server, byte for byte; a replica killed mid-job fails the
 * tasks it was serving with an {@link InferenceServerException}, Spark retries them on the other
 * replica and the labels are still the same.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LlamaServerSparkIT {
  private static final String HEADER = HttpScorer.SESSION_ID_HEADER;
  static LlamaServerFixture fleet;
  static HaproxyProcess router;
  static ClaimSet claims;
  private static SparkSession spark;
  private static Path dir;
  private static byte[] sequential;
  private static ServerLog sequentialCost;
  /** Kill-job state (one JVM in local mode). */
  static final AtomicInteger FAILED_CALLS = new AtomicInteger();
  static volatile int killed = -1;

  @BeforeAll
  static void start() throws IOException {
    fleet = LlamaServerFixture.startReplicas(2, 2, 1);
    dir = Files.createTempDirectory("icm4j-spark-it");
    router = HaproxyProcess.start(fleet, HEADER, dir);
    claims = fleet.world.truthTask(32, 23); // 64 claims: 8 batches of 8
    long t0 = System.nanoTime();
    ServerLog before = ServerLog.read(fleet.server.log());
    try (HttpScorer direct = fleet.scorer(fleet.server.url()).build()) {
      Path file = dir.resolve("sequential.jsonl");
      Jsonl.writeLabels(file, pipeline(direct).run(claims.examples()).labels());
      sequential = Files.readAllBytes(file);
    }
    sequentialCost = ServerLog.settled(() -> ServerLog.read(fleet.server.log()).minus(before));
    System.out.printf("sequential Icm.run against one replica: %.1f s, %d requests, %d tokens evaluated%n",
        (System.nanoTime() - t0) / 1e9, sequentialCost.requests(), sequentialCost.evaluatedTokens());
    spark = SparkSession.builder()
        .master("local[2,3]") // 2 task slots; a task is tried up to 3 times
        .appName("icm4j-scale-demonstration")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    if (router != null) {
      router.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  static Icm pipeline(LabelScorer scorer) {
    return Icm.builder().scorer(scorer).rules(claims.rules()).seed(1).batchSize(8).build();
  }

  /** A task's scorer: through the router, with the batch's routing key. */
  static HttpScorer routed(int maxAttempts) {
    return fleet.scorer(router.url()).routingHeader(HEADER).maxAttempts(maxAttempts).build();
  }

  private static Dataset<ExampleRow> examples() {
    return spark.createDataset(claims.examples().stream().map(ExampleRow::of).toList(), Encoders.bean(ExampleRow.class));
  }

  private static byte[] label(SparkIcm job, String name) throws IOException {
    Path file = dir.resolve(name + ".jsonl");
    Dataset<LabelRow> rows = job.label(examples());
    SparkIcm.writeLabels(rows, LabelSpace.binary(), file);
    return Files.readAllBytes(file);
  }

  @Test
  @Order(1)
  void sparkTasksThroughTheRouterGiveTheSequentialLabelsAndEachBatchStaysOnOneReplica() throws IOException {
    ServerLog[] before = ServerLog.ofReplicas(fleet);
    int logged = router.requests().size();
    long t0 = System.nanoTime();
    SparkIcm job = SparkIcm.builder().icm(LlamaServerSparkIT::pipeline).scorers(() -> routed(6)).build();
    assertThat(job.plan(examples()).size()).isEqualTo(8);
    byte[] labels = label(job, "spark");
    double seconds = (System.nanoTime() - t0) / 1e9;
    ServerLog[] after = ServerLog.settled(() -> ServerLog.ofReplicas(fleet));
    Map<String, Set<String>> replicasOfKey = new LinkedHashMap<>();
    Map<String, Integer> perReplica = new TreeMap<>();
    for (HaproxyProcess.Routed r : router.requests().subList(logged, router.requests().size())) {
      if (r.path().startsWith("/completion")) {
        replicasOfKey.computeIfAbsent(r.key(), k -> new TreeSet<>()).add(r.server());
        perReplica.merge(r.server(), 1, Integer::sum);
      }
    }
    long tokens = 0;
    long requests = 0;
    for (int i = 0; i < after.length; i++) {
      tokens += after[i].minus(before[i]).evaluatedTokens();
      requests += after[i].minus(before[i]).requests();
    }
    System.out.printf("Spark local[2] job, 8 batches through HAProxy: %.1f s; batch -> replica %s; requests per replica"
        + " (HAProxy) %s; servers' logs: r0 %s, r1 %s; %d requests, %d tokens evaluated (sequential, one server: %d, %d)%n",
        seconds, replicasOfKey, perReplica, after[0].minus(before[0]), after[1].minus(before[1]), requests, tokens,
        sequentialCost.requests(), sequentialCost.evaluatedTokens());
    assertThat(labels).as("Spark labels vs sequential Icm.run").isEqualTo(sequential);
    assertThat(replicasOfKey).hasSize(8);
    assertThat(replicasOfKey.values()).allSatisfy(s -> assertThat(s).hasSize(1));
    assertThat(requests).isEqualTo(sequentialCost.requests());
    for (int i = 0; i < 2; i++) {
      assertThat(after[i].minus(before[i]).requests()).as("replica r%d: its log vs HAProxy's", i)
          .isEqualTo(perReplica.getOrDefault(HaproxyProcess.replicaName(i), 0).longValue());
    }
  }

  @Test
  @Order(2)
  void aReplicaKilledMidJobFailsItsTasksAndSparkRetriesThemOnTheOther() throws IOException {
    FAILED_CALLS.set(0);
    String victimExample = claims.examples().get(20).id();
    long t0 = System.nanoTime();
    SparkIcm job = SparkIcm.builder().icm(LlamaServerSparkIT::pipeline)
        .scorers(() -> new KillingScorer(routed(1), victimExample, 6)).build();
    int logged = router.requests().size();
    byte[] labels = label(job, "killed");
    double seconds = (System.nanoTime() - t0) / 1e9;
    String victim = HaproxyProcess.replicaName(killed);
    String survivor = HaproxyProcess.replicaName(1 - killed);
    List<HaproxyProcess.Routed> after = router.requests().subList(logged, router.requests().size());
    long failedRequests = after.stream().filter(r -> r.status() >= 500).count();
    long servedByVictimAfterFailure = 0;
    boolean failureSeen = false;
    for (HaproxyProcess.Routed r : after) {
      failureSeen |= r.status() >= 500;
      if (failureSeen && r.status() < 500 && r.server().equals(victim)) {
        servedByVictimAfterFailure++;
      }
    }
    System.out.printf("killed %s mid-job: %.1f s; %d scorer calls failed with InferenceServerException (tasks failed and"
        + " retried by Spark), %d requests answered 5xx by HAProxy, later requests all on %s: %s%n", victim, seconds,
        FAILED_CALLS.get(), failedRequests, survivor, servedByVictimAfterFailure == 0);
    assertThat(killed).as("a replica was killed").isIn(0, 1);
    assertThat(FAILED_CALLS.get()).as("tasks that failed with InferenceServerException").isPositive();
    assertThat(servedByVictimAfterFailure).isZero();
    assertThat(labels).as("labels after the kill and Spark's retries vs sequential Icm.run").isEqualTo(sequential);
  }

  /**
   * Kills the replica serving the batch that holds {@code victimExample} before that batch's n-th
   * leave-one-out call on a task's first attempt. A call that fails with an {@link
   * InferenceServerException} on a first attempt waits until HAProxy's health check has taken the
   * dead replica out before it fails the task: Spark's local mode retries a task at once, a cluster
   * after rescheduling it.
   */
  static final class KillingScorer implements LabelScorer {
    private final HttpScorer delegate;
    private final String victimExample;
    private final int call;
    private boolean inVictimBatch;
    private int calls;

    KillingScorer(HttpScorer delegate, String victimExample, int call) {
      this.delegate = delegate;
      this.victimExample = victimExample;
      this.call = call;
    }

    @Override
    public void checkBatch(LabelSpace labels, List<Example> batch) {
      inVictimBatch = batch.stream().anyMatch(e -> e.id().equals(victimExample));
      calls = 0;
      delegate.checkBatch(labels, batch);
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      return guarded(() -> delegate.score(labels, requests));
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      if (inVictimBatch && ++calls == call && TaskContext.get().attemptNumber() == 0 && killed < 0) {
        String key = delegate.routingKey();
        List<HaproxyProcess.Routed> seen = router.requests();
        for (int i = seen.size() - 1; i >= 0; i--) {
          if (seen.get(i).key().equals(key)) {
            killed = Integer.parseInt(seen.get(i).server().substring(1));
            break;
          }
        }
        fleet.replicas.get(killed).kill();
      }
      return guarded(() -> delegate.scoreLeaveOneOut(labels, labelled));
    }

    private ScoreResult guarded(java.util.function.Supplier<ScoreResult> call) {
      try {
        return call.get();
      } catch (IcmException e) {
        if (e instanceof InferenceServerException || e.getCause() instanceof InferenceServerException) {
          FAILED_CALLS.incrementAndGet();
          long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (killed >= 0 && !router.loggedDown(HaproxyProcess.replicaName(killed)) && System.nanoTime() < until) {
            ServerLog.sleep(100);
          }
        }
        throw e;
      }
    }

    @Override
    public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
      return delegate.leaveOneOutRequests(labelled);
    }

    @Override
    public Map<String, String> identity() {
      return delegate.identity();
    }
  }
}
