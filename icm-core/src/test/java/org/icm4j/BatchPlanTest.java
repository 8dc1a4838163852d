package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.icm4j.RunAssertions.assertSameRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.icm4j.result.IcmResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch of {@link Icm#plan} labelled alone by {@link Icm#runBatch}, in any order, and joined by
 * {@link Icm#merge}, is the whole {@link Icm#run}.
 */
class BatchPlanTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(24, 3));

  @TempDir Path dir;

  private static Icm.Builder builder() {
    return Icm.builder()
        .scorer(WORLD.scorer())
        .rule(Rules.exactlyOne())
        .rule(Rules.answerKey("answer"))
        .batchSize(20)
        .seed(5);
  }

  private static List<Example> of(PlannedBatch batch) {
    Set<String> ids = new HashSet<>(batch.exampleIds());
    List<Example> out = new ArrayList<>(WORLD.examples().stream().filter(e -> ids.contains(e.id())).toList());
    Collections.reverse(out); // the order given does not matter
    return out;
  }

  @Test
  void thePlanHoldsWholeGroupsAndDependsOnlyOnTheExamplesAndSeed() {
    Icm icm = builder().build();
    BatchPlan plan = icm.plan(WORLD.examples());
    List<Example> shuffled = new ArrayList<>(WORLD.examples());
    Collections.shuffle(shuffled, new Random(1));
    assertThat(icm.plan(shuffled)).isEqualTo(plan);
    assertThat(plan.size()).isGreaterThanOrEqualTo(4);
    Map<String, String> groupOf =
        WORLD.examples().stream().collect(Collectors.toMap(Example::id, Example::group));
    Map<String, Set<String>> batchesOfGroup = new java.util.HashMap<>();
    int total = 0;
    for (PlannedBatch b : plan.batches()) {
      assertThat(b.exampleIds()).isSorted().hasSizeLessThanOrEqualTo(20);
      total += b.exampleIds().size();
      for (String id : b.exampleIds()) {
        batchesOfGroup.computeIfAbsent(groupOf.get(id), g -> new HashSet<>()).add(b.key());
      }
    }
    assertThat(total).isEqualTo(WORLD.examples().size());
    assertThat(batchesOfGroup.values()).allSatisfy(keys -> assertThat(keys).hasSize(1));
    assertThat(plan.keyOf()).hasSize(WORLD.examples().size());
    // another seed, another plan
    assertThat(builder().seed(6).build().plan(WORLD.examples())).isNotEqualTo(plan);
  }

  @Test
  void batchesRunAloneInAnyOrderAndMergedAreTheWholeRun() {
    Icm icm = builder().build();
    IcmResult whole = icm.run(WORLD.examples());
    BatchPlan plan = icm.plan(WORLD.examples());
    assertThat(whole.batches()).hasSize(plan.size());
    List<PlannedBatch> order = new ArrayList<>(plan.batches());
    Collections.reverse(order);
    List<IcmResult> parts = new ArrayList<>();
    for (PlannedBatch b : order) {
      IcmResult part = icm.runBatch(b, of(b));
      assertThat(part.batches()).singleElement().satisfies(s -> {
        assertThat(s.index()).isEqualTo(b.index());
        assertThat(s.exampleIds()).isEqualTo(b.exampleIds());
      });
      parts.add(part);
    }
    IcmResult merged = icm.merge(parts);
    assertSameRun(whole, merged);
    assertThat(merged.suggestions()).isEqualTo(whole.suggestions());
    assertThat(merged.labels().asMap()).isEqualTo(whole.labels().asMap());
    // a batch run twice, or by another pipeline built the same way, gives the same
    PlannedBatch third = plan.batches().get(2);
    assertSameRun(parts.get(order.indexOf(third)), builder().build().runBatch(third, of(third)));
  }

  @Test
  void theChainSeedsFollowTheBatchKeyNotItsPlace() {
    Icm icm = builder().build();
    BatchPlan plan = icm.plan(WORLD.examples());
    PlannedBatch b = plan.batches().get(1);
    // the same examples planned as batch 0 of a smaller plan: same key, same chain seeds, same labels
    IcmResult alone = builder().batchSize(1000).build().run(of(b));
    IcmResult inPlan = icm.runBatch(b, of(b));
    assertThat(alone.batches().get(0).chains().get(0).seed())
        .isEqualTo(inPlan.batches().get(0).chains().get(0).seed());
    assertThat(alone.labels().asMap()).isEqualTo(inPlan.labels().asMap());
  }

  @Test
  void wrongInputIsRefusedWithTheItemNamed() {
    Icm icm = builder().build();
    BatchPlan plan = icm.plan(WORLD.examples());
    PlannedBatch b = plan.batches().get(0);
    List<Example> missing = new ArrayList<>(of(b));
    Example dropped = missing.remove(missing.size() - 1);
    assertThatThrownBy(() -> icm.runBatch(b, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + dropped.id() + "' is missing")
        .hasMessageContaining("key " + b.key());
    PlannedBatch forged = new PlannedBatch(0, b.planSize(), "0123456789abcdef", b.exampleIds());
    assertThatThrownBy(() -> icm.runBatch(forged, of(b)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has key 0123456789abcdef, but its example ids give " + b.key());
    assertThatThrownBy(() -> builder().checkpoint(dir.resolve("c.jsonl"), 10).build().runBatch(b, of(b)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("without checkpoint(...)");
    IcmResult part = icm.runBatch(b, of(b));
    assertThatThrownBy(() -> icm.merge(List.of(part, part)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batch 0 appears in more than one result");
    assertThatThrownBy(() -> builder().alpha(20).build().merge(List.of(part)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha is 50.0 there, 20.0 here");
    assertThatThrownBy(() -> icm.merge(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no results to merge");
    assertThatThrownBy(() -> new PlannedBatch(3, 3, b.key(), b.exampleIds()))
        .hasMessageContaining("batch index 3 is outside the plan of 3 batches");
  }
}
