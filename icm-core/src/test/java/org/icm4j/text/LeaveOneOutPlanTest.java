package org.icm4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.text.LeaveOneOutPlan.Extend;
import org.icm4j.text.LeaveOneOutPlan.Query;
import org.icm4j.text.LeaveOneOutPlan.Release;
import org.junit.jupiter.api.Test;

class LeaveOneOutPlanTest {

  @Test
  public void plain_readsEveryContextFromScratchInTheGivenOrder() {
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.PLAIN, 3);

    assertThat(plan.steps())
        .containsExactly(
            new Query(0, 0, List.of(1, 2)), new Query(1, 0, List.of(0, 2)), new Query(2, 0, List.of(0, 1)));
    assertThat(plan.demonstrationsForwarded()).isEqualTo(6);
  }

  @Test
  public void sharedPrefix_extendsThePrefixByOneExamplePerQuery() {
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.SHARED_PREFIX, 3);

    assertThat(plan.steps())
        .containsExactly(
            new Query(0, 0, List.of(1, 2)),
            new Extend(1, 0, List.of(0)),
            new Query(1, 1, List.of(2)),
            new Extend(2, 1, List.of(1)),
            new Release(1),
            new Query(2, 2, List.of()),
            new Release(2));
    assertThat(plan.contexts()).containsExactly(List.of(1, 2), List.of(0, 2), List.of(0, 1));
  }

  @Test
  public void divideAndConquer_readsEachHalfOnceAsThePrefixOfTheOther() {
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, 4);

    assertThat(plan.steps())
        .containsExactly(
            new Extend(1, 0, List.of(2, 3)),
            new Extend(2, 1, List.of(1)),
            new Query(0, 2, List.of()),
            new Release(2),
            new Extend(3, 1, List.of(0)),
            new Query(1, 3, List.of()),
            new Release(3),
            new Release(1),
            new Extend(4, 0, List.of(0, 1)),
            new Extend(5, 4, List.of(3)),
            new Query(2, 5, List.of()),
            new Release(5),
            new Extend(6, 4, List.of(2)),
            new Query(3, 6, List.of()),
            new Release(6),
            new Release(4));
    assertThat(plan.contexts())
        .containsExactly(List.of(2, 3, 1), List.of(2, 3, 0), List.of(0, 1, 3), List.of(0, 1, 2));
    assertThat(plan.demonstrationsForwarded()).isEqualTo(8); // n log2 n
  }

  @Test
  public void oneExample_isOneQueryWithAnEmptyContextInEveryOrder() {
    for (LeaveOneOutOrder order : LeaveOneOutOrder.values()) {
      assertThat(LeaveOneOutPlan.of(order, 1).steps()).as("%s", order).containsExactly(new Query(0, 0, List.of()));
    }
  }

  @Test
  public void requests_placeTheLabelledExamplesInThePlansContexts() {
    List<LabelledExample> l =
        List.of(
            new LabelledExample(Example.of("a", "pa"), "True"),
            new LabelledExample(Example.of("b", "pb"), "False"),
            new LabelledExample(Example.of("c", "pc"), "True"));

    List<ScoreRequest> requests = LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, 3).requests(l);

    // n = 3: halves [0] and [1, 2]; query 0 reads [1, 2]; 1 and 2 read [0] then each other
    assertThat(requests)
        .containsExactly(
            new ScoreRequest(l.get(0).example(), List.of(l.get(1), l.get(2))),
            new ScoreRequest(l.get(1).example(), List.of(l.get(0), l.get(2))),
            new ScoreRequest(l.get(2).example(), List.of(l.get(0), l.get(1))));
  }

  @Test
  public void requests_rejectAListOfAnotherSize() {
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.PLAIN, 2);

    assertThatThrownBy(() -> plan.requests(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("for 2 examples, but was given 0");
  }

  @Test
  public void of_rejectsNoExamples() {
    assertThatThrownBy(() -> LeaveOneOutPlan.of(LeaveOneOutOrder.PLAIN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("asked for 0");
  }
}
