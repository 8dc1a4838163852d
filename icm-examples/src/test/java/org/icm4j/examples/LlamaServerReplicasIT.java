package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.HttpScorer;
import org.icm4j.http.InferenceServerException;
import org.icm4j.io.Jsonl;
import org.icm4j.result.IcmResult;
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
 * The scale demonstration's routing half (docs/scale.md): two {@code llama-server} replicas of the
 * embedded world model behind HAProxy ({@code balance hdr(X-Session-ID)}, consistent hashing),
 * standing in for an LLM router, and ICM batches sent through it by {@link HttpScorer} with its
 * routing key on. What is checked comes from the servers' own logs (one {@code prompt eval} line
 * per request, with the tokens it evaluated) and from HAProxy's log (the key and the replica of
 * every request), not from the client:
 *
 * <ul>
 *   <li>every request of a batch reached one replica, and the labels equal a single server's, byte
 *       for byte;
 *   <li>a leave-one-out rescore through the router costs the replica exactly the tokens it costs a
 *       single server in divide-and-conquer order; without the key it costs more (reported);
 *   <li>a replica killed mid-job fails the run with an {@link InferenceServerException}; run again,
 *       the batches go to the other replica and the labels are the same.
 * </ul>
 *
 * Run by {@code .ci/run} ({@code -Pllama-server}); HAProxy from {@code scripts/setup-haproxy.sh}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LlamaServerReplicasIT {

  private static final String HEADER = HttpScorer.SESSION_ID_HEADER;
  private static final int BATCH = 8;
  private static LlamaServerFixture fleet;
  private static HaproxyProcess router;
  private static ClaimSet claims;
  /** The labels of the whole job against replica 0 alone, as written by {@link Jsonl#writeLabels}. */
  private static byte[] singleServerLabels;
  private static ServerLog singleServerJob;
  private static Path dir;

  @BeforeAll
  static void start() throws IOException {
    fleet = LlamaServerFixture.startReplicas(2, 1, 1);
    dir = Files.createTempDirectory("icm4j-routing-it");
    router = HaproxyProcess.start(fleet, HEADER, dir);
    claims = fleet.world.truthTask(24, 21); // 48 claims, 6 batches of 8 (whole questions)
    long t0 = System.nanoTime();
    ServerLog before = ServerLog.read(fleet.server.log());
    try (HttpScorer direct = fleet.scorer(fleet.server.url()).build()) {
      singleServerLabels = labelsOf(run(direct), "single");
    }
    singleServerJob = ServerLog.settled(() -> ServerLog.read(fleet.server.log()).minus(before));
    System.out.printf("single server (replica 0 directly): %d requests, %d tokens evaluated, %.1f s%n",
        singleServerJob.requests(), singleServerJob.evaluatedTokens(), (System.nanoTime() - t0) / 1e9);
  }

  @AfterAll
  static void stop() {
    if (router != null) {
      router.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  private static IcmResult run(LabelScorer scorer) {
    return Icm.builder().scorer(scorer).rules(claims.rules()).seed(1).batchSize(BATCH).build().run(claims.examples());
  }

  private static byte[] labelsOf(IcmResult result, String name) {
    try {
      Path file = dir.resolve(name + "-labels.jsonl");
      Jsonl.writeLabels(file, result.labels());
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  @Order(1)
  void everyRequestOfABatchReachesOneReplicaAndTheLabelsAreASingleServers() {
    ServerLog[] before = ServerLog.ofReplicas(fleet);
    int logged = router.requests().size();
    long t0 = System.nanoTime();
    byte[] routed;
    try (HttpScorer scorer = fleet.scorer(router.url()).routingHeader(HEADER).build()) {
      routed = labelsOf(run(scorer), "routed");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ServerLog[] job = ServerLog.minus(ServerLog.settled(() -> ServerLog.ofReplicas(fleet)), before);
    List<HaproxyProcess.Routed> requests = router.requests();
    requests = requests.subList(logged, requests.size());

    Map<String, Set<String>> replicasOfKey = new LinkedHashMap<>();
    Map<String, Integer> requestsOfKey = new LinkedHashMap<>();
    Map<String, Integer> perReplica = new TreeMap<>();
    for (HaproxyProcess.Routed r : requests) {
      if (!r.path().startsWith("/completion")) {
        continue; // the scorer's start-up checks (/v1/models, /props, /tokenize) carry no key yet
      }
      replicasOfKey.computeIfAbsent(r.key(), k -> new TreeSet<>()).add(r.server());
      requestsOfKey.merge(r.key(), 1, Integer::sum);
      perReplica.merge(r.server(), 1, Integer::sum);
    }
    System.out.printf("routed job: %.1f s; batches (routing key -> replica, requests): %s%n", seconds,
        replicasOfKey.entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue() + " x" + requestsOfKey.get(e.getKey())).toList());
    System.out.printf("requests per replica: HAProxy log %s; servers' logs r0 %d (%d tokens), r1 %d (%d tokens); single server %d (%d tokens)%n",
        perReplica, job[0].requests(), job[0].evaluatedTokens(), job[1].requests(), job[1].evaluatedTokens(),
        singleServerJob.requests(), singleServerJob.evaluatedTokens());

    assertThat(routed).as("labels through the router vs one server").isEqualTo(singleServerLabels);
    assertThat(replicasOfKey).as("one routing key per batch").hasSize(claims.size() / BATCH);
    assertThat(replicasOfKey.values()).as("each batch's requests went to one replica").allSatisfy(s -> assertThat(s).hasSize(1));
    assertThat(replicasOfKey.values().stream().flatMap(Set::stream).distinct().count())
        .as("the batches were spread over both replicas").isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      assertThat(job[i].requests()).as("replica r%d's own log vs HAProxy's", i)
          .isEqualTo(perReplica.getOrDefault(HaproxyProcess.replicaName(i), 0).longValue());
    }
    assertThat(ServerLog.total(job).requests()).as("requests: routed over two replicas vs one server").isEqualTo(singleServerJob.requests());
  }

  @Test
  @Order(2)
  void aRoutedRescoreCostsWhatItCostsOneServerAndAnUnroutedOneMore() {
    List<LabelledExample> labelled = WorldProbe.labelled(claims.examples().subList(0, 16), claims.gold());
    long single;
    try (HttpScorer direct = fleet.scorer(fleet.replicas.get(1).url()).build()) {
      single = rescoreCost(direct, labelled);
    }
    long routed;
    try (HttpScorer scorer = fleet.scorer(router.url()).routingHeader(HEADER).build()) {
      scorer.routingKey("icm4j-rescore-demo");
      routed = rescoreCost(scorer, labelled);
    }
    long unrouted;
    try (HttpScorer scorer = fleet.scorer(router.url()).build()) {
      unrouted = rescoreCost(scorer, labelled);
    }
    System.out.printf("tokens the servers evaluated per leave-one-out rescore of 16 (divide and conquer): one server %d,"
        + " routed over two replicas %d, unrouted (round-robin) %d (%.1fx)%n", single, routed, unrouted, (double) unrouted / single);
    assertThat(routed).isEqualTo(single);
    assertThat(unrouted).isGreaterThan(single);
  }

  /** The tokens both replicas' logs say they evaluated for a second rescore, after a first. */
  private static long rescoreCost(HttpScorer scorer, List<LabelledExample> labelled) {
    scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled);
    ServerLog[] before = ServerLog.settled(() -> ServerLog.ofReplicas(fleet));
    scorer.scoreLeaveOneOut(LabelSpace.binary(), labelled);
    return ServerLog.total(ServerLog.minus(ServerLog.settled(() -> ServerLog.ofReplicas(fleet)), before)).evaluatedTokens();
  }

  @Test
  @Order(3)
  void theJobWithoutARoutingKeyGivesTheSameLabelsAtAHigherCost() {
    ServerLog[] before = ServerLog.ofReplicas(fleet);
    long t0 = System.nanoTime();
    byte[] unrouted;
    try (HttpScorer scorer = fleet.scorer(router.url()).build()) {
      unrouted = labelsOf(run(scorer), "unrouted");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ServerLog job = ServerLog.total(ServerLog.minus(ServerLog.settled(() -> ServerLog.ofReplicas(fleet)), before));
    System.out.printf("unrouted job (round-robin): %.1f s, %d requests, %d tokens evaluated (%.2fx one server's %d)%n",
        seconds, job.requests(), job.evaluatedTokens(), (double) job.evaluatedTokens() / singleServerJob.evaluatedTokens(),
        singleServerJob.evaluatedTokens());
    assertThat(unrouted).isEqualTo(singleServerLabels);
    assertThat(job.evaluatedTokens()).isGreaterThan(singleServerJob.evaluatedTokens());
  }

  @Test
  @Order(4)
  void aReplicaKilledMidJobFailsTheRunClearlyAndARetryOnTheOtherGivesTheSameLabels() {
    int[] killed = {-1};
    Throwable failure;
    try (HttpScorer scorer = fleet.scorer(router.url()).routingHeader(HEADER).maxAttempts(1).build()) {
      LabelScorer killing = new KillingScorer(scorer, 2, 5, () -> {
        List<HaproxyProcess.Routed> r = router.requests();
        String server = r.get(r.size() - 1).server(); // the replica serving this batch
        killed[0] = Integer.parseInt(server.substring(1));
        fleet.replicas.get(killed[0]).kill();
      });
      failure = catchThrowable(() -> run(killing));
    }
    String victim = HaproxyProcess.replicaName(killed[0]);
    String survivor = HaproxyProcess.replicaName(1 - killed[0]);
    System.out.printf("killed %s during batch 3: %s%n", victim, failure);
    assertThat(killed[0]).as("a replica was killed").isIn(0, 1);
    assertThat(failure).isInstanceOf(InferenceServerException.class);

    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!router.loggedDown(victim) && System.nanoTime() < until) {
      ServerLog.sleep(100);
    }
    assertThat(router.loggedDown(victim)).as("HAProxy's health check took %s out", victim).isTrue();
    int logged = router.requests().size();
    long t0 = System.nanoTime();
    byte[] retried;
    try (HttpScorer scorer = fleet.scorer(router.url()).routingHeader(HEADER).build()) {
      retried = labelsOf(run(scorer), "retried");
    }
    List<HaproxyProcess.Routed> after = router.requests().subList(logged, router.requests().size());
    System.out.printf("retry: %.1f s, %d requests, all on %s: %s%n", (System.nanoTime() - t0) / 1e9, after.size(), survivor,
        after.stream().allMatch(r -> r.server().equals(survivor)));
    assertThat(retried).as("labels of the retry vs one server").isEqualTo(singleServerLabels);
    assertThat(after).isNotEmpty().allSatisfy(r -> assertThat(r.server()).isEqualTo(survivor));
  }

  /** Delegates to a scorer and runs {@code kill} before the n-th leave-one-out call of batch b (0-based). */
  private static final class KillingScorer implements LabelScorer {
    private final HttpScorer delegate;
    private final int batch;
    private final int call;
    private final Runnable kill;
    private int batches = -1;
    private int calls;

    KillingScorer(HttpScorer delegate, int batch, int call, Runnable kill) {
      this.delegate = delegate;
      this.batch = batch;
      this.call = call;
      this.kill = kill;
    }

    @Override
    public void checkBatch(LabelSpace labels, List<Example> examples) {
      batches++;
      calls = 0;
      delegate.checkBatch(labels, examples);
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      return delegate.score(labels, requests);
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      if (batches == batch && ++calls == call) {
        kill.run();
      }
      return delegate.scoreLeaveOneOut(labels, labelled);
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
