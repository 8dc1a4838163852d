package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.icm4j.Icm;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.result.IcmResult;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;

/** docs/remote.md's example for a label space other than True/False, on the stub. */
class ThreeLabelExampleTest {

  @Test
  void aThreeLabelTask_runsWithTheScorersLabelsALayoutAndTheRunsLabelSpace() {
    LabelSpace space = LabelSpace.of("True", "False", "Maybe");
    PromptLayout layout = new PromptLayout(Map.of("True", " True", "False", " False", "Maybe", " Maybe"), "\n");
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = HttpScorer.builder().endpoint(stub.url()).engine(Engine.LLAMA_CPP)
            .labels(space).layout(layout).build()) {
      IcmResult result =
          Icm.builder().scorer(scorer).labelSpace(space).seed(1).build().run(StubContracts.examples().subList(0, 4));

      assertThat(result.isComplete()).isTrue();
      assertThat(result.labels().asMap()).hasSize(4);
      assertThat(result.labels().asMap().values()).allMatch(space.names()::contains);
    }
  }

  @Test
  void aThirdLabelWithoutAVerbalizer_failsNamingIt() {
    LabelSpace space = LabelSpace.of("True", "False", "Maybe");
    try (StubServer stub = StubContracts.start(Engine.LLAMA_CPP);
        HttpScorer scorer = HttpScorer.builder().endpoint(stub.url()).engine(Engine.LLAMA_CPP).labels(space).build()) {
      // the default layout writes 'Maybe' with no leading space, glued to the prompt: "...soMaybe"
      assertThatThrownBy(() -> Icm.builder().scorer(scorer).labelSpace(space).seed(1).build().run(StubContracts.examples()))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("soMaybe");
    }
  }
}
