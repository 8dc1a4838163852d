package org.icm4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.text.LeaveOneOutPlan.Extend;
import org.icm4j.text.LeaveOneOutPlan.Query;
import org.icm4j.text.LeaveOneOutPlan.Release;
import org.icm4j.text.LeaveOneOutPlan.Step;
import org.junit.jupiter.api.Test;

/**
 * Invariants of every leave-one-out plan, for sizes 1 to 200: each order gives every query exactly
 * the context of the plain order (the other examples, each once; shared prefix: in the same
 * order), a plan an executor with a bounded cache can run, and the work each order promises.
 */
class LeaveOneOutPlanProperties {

  /** Replays the steps as an executor would, checking each against the states alive. */
  private static List<List<Integer>> execute(LeaveOneOutPlan plan) {
    Map<Integer, List<Integer>> alive = new HashMap<>();
    alive.put(LeaveOneOutPlan.EMPTY, List.of());
    Set<Integer> made = new HashSet<>();
    List<List<Integer>> contexts = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      contexts.add(null);
    }
    for (Step step : plan.steps()) {
      if (step instanceof Extend e) {
        assertThat(alive).as("parent of %s", e).containsKey(e.parent());
        assertThat(made.add(e.state())).as("state of %s made once", e).isTrue();
        List<Integer> held = new ArrayList<>(alive.get(e.parent()));
        held.addAll(e.examples());
        alive.put(e.state(), held);
      } else if (step instanceof Query q) {
        assertThat(alive).as("parent of %s", q).containsKey(q.parent());
        assertThat(contexts.get(q.query())).as("query %s asked once", q.query()).isNull();
        List<Integer> context = new ArrayList<>(alive.get(q.parent()));
        context.addAll(q.examples());
        contexts.set(q.query(), context);
      } else if (step instanceof Release r) {
        assertThat(r.state()).as("the empty state is never released").isNotEqualTo(LeaveOneOutPlan.EMPTY);
        assertThat(alive.remove(r.state())).as("%s of a live state", r).isNotNull();
      }
    }
    assertThat(alive.keySet()).as("every state made is released").containsExactly(LeaveOneOutPlan.EMPTY);
    return contexts;
  }

  private static List<Integer> plainContext(int n, int i) {
    List<Integer> others = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      if (j != i) {
        others.add(j);
      }
    }
    return others;
  }

  @Test
  public void everyOrder_givesEachQueryExactlyThePlainOrdersContext() {
    qt().forAll(integers().between(1, 200))
        .checkAssert(
            n -> {
              for (LeaveOneOutOrder order : LeaveOneOutOrder.values()) {
                LeaveOneOutPlan plan = LeaveOneOutPlan.of(order, n);
                List<List<Integer>> contexts = execute(plan);
                assertThat(plan.contexts()).as("%s n=%s: contexts() is what the steps give", order, n)
                    .isEqualTo(contexts);
                for (int i = 0; i < n; i++) {
                  List<Integer> plain = plainContext(n, i);
                  if (order == LeaveOneOutOrder.DIVIDE_AND_CONQUER) {
                    assertThat(contexts.get(i)).as("%s n=%s query %s", order, n, i)
                        .containsExactlyInAnyOrderElementsOf(plain);
                  } else {
                    assertThat(contexts.get(i)).as("%s n=%s query %s", order, n, i).isEqualTo(plain);
                  }
                }
              }
            });
  }

  @Test
  public void divideAndConquer_readsLog2nDemonstrationsPerExampleAndHoldsLog2nStates() {
    qt().forAll(integers().between(1, 200))
        .checkAssert(
            n -> {
              LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, n);
              int levels = 32 - Integer.numberOfLeadingZeros(n - 1); // ceil(log2 n)
              assertThat(plan.demonstrationsForwarded()).as("n=%s", n).isLessThanOrEqualTo((long) n * levels);
              int live = 0;
              int most = 0;
              for (Step s : plan.steps()) {
                live += s instanceof Extend ? 1 : s instanceof Release ? -1 : 0;
                most = Math.max(most, live);
              }
              assertThat(most).as("states alive at once, n=%s", n).isLessThanOrEqualTo(levels);
            });
  }

  @Test
  public void sharedPrefix_holdsAtMostTwoStatesAndForwardsHalfOfPlain() {
    qt().forAll(integers().between(1, 200))
        .checkAssert(
            n -> {
              LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.SHARED_PREFIX, n);
              // queries read n(n-1)/2 demonstrations, the prefix grows by n-1
              assertThat(plan.demonstrationsForwarded()).isEqualTo((long) n * (n - 1) / 2 + n - 1);
              assertThat(LeaveOneOutPlan.of(LeaveOneOutOrder.PLAIN, n).demonstrationsForwarded())
                  .isEqualTo((long) n * (n - 1));
              int live = 0;
              int most = 0;
              for (Step s : plan.steps()) {
                live += s instanceof Extend ? 1 : s instanceof Release ? -1 : 0;
                most = Math.max(most, live);
              }
              assertThat(most).isLessThanOrEqualTo(2);
            });
  }
}
