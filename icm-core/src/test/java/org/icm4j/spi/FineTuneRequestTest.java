package org.icm4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.junit.jupiter.api.Test;

class FineTuneRequestTest {
  private static final Example A = Example.of("a", "claim a");
  private static final Example B = Example.of("b", "claim b");
  private static final Example C = Example.of("c", "claim c");

  private static Labeling labels(Map<String, String> labelled, Set<String> unlabelled) {
    return new Labeling(LabelSpace.binary(), labelled, unlabelled);
  }

  @Test
  void labelled_listsTheLabelledExamplesInIdOrder_andKeepsTheUnlabelledOnesInExamples() {
    FineTuneRequest r =
        new FineTuneRequest(3, List.of(C, A, B), labels(Map.of("c", "True", "a", "False"), Set.of("b")), 9);
    assertThat(r.examples()).containsExactly(A, B, C);
    assertThat(r.labelled()).containsExactly(new LabelledExample(A, "False"), new LabelledExample(C, "True"));
    assertThat(r.labelSpace()).isEqualTo(LabelSpace.binary());
    assertThat(r.toString()).isEqualTo("FineTuneRequest{round=3, examples=3, labelled=2, seed=9}");
  }

  @Test
  void constructor_rejectsBadRequestsNamingWhatIsWrong() {
    Labeling one = labels(Map.of("a", "True"), Set.of());
    assertThatThrownBy(() -> new FineTuneRequest(-1, List.of(A), one, 1))
        .hasMessage("round must be >= 0, but was -1");
    assertThatThrownBy(() -> FineTuneRequest.of(List.of(), one, 1))
        .hasMessage("a fine-tuning request needs at least one example");
    assertThatThrownBy(() -> FineTuneRequest.of(List.of(A, A), one, 1))
        .hasMessage("duplicate example id 'a': every example needs a unique id");
    assertThatThrownBy(() -> FineTuneRequest.of(List.of(B), one, 1))
        .hasMessageContaining("the labeling labels 'a', which is not among the 1 examples");
    assertThatThrownBy(() -> FineTuneRequest.of(List.of(A, B), labels(Map.of(), Set.of("a", "b")), 1))
        .hasMessageContaining("none of the 2 examples is labelled");
  }
}
