package org.icm4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.icm4j.CheckpointException;
import org.icm4j.Icm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link HttpScorer#identity()}: the served model, never the address or the key. */
class HttpScorerIdentityTest {

  @ParameterizedTest
  @EnumSource(Engine.class)
  void identity_isTheSameForTheSameModelAndNamesTheEngineAndTheServedModel(Engine engine) {
    try (StubServer one = StubContracts.start(engine);
        StubServer two = StubContracts.start(engine);
        HttpScorer a = StubContracts.scorer(one, engine).build();
        HttpScorer b = StubContracts.scorer(two, engine).build()) {
      assertThat(a.identity()).isEqualTo(b.identity()).containsEntry("engine", engine.name())
          .containsEntry("model", a.modelName());
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void identity_differsForAnotherServedModel(Engine engine) {
    try (StubServer one = StubContracts.start(engine);
        StubServer two = StubContracts.start(engine).modelName("Qwen2.5-7B");
        HttpScorer a = StubContracts.scorer(one, engine).build();
        HttpScorer b = StubContracts.scorer(two, engine).build()) {
      assertThat(b.identity()).containsEntry("model", "Qwen2.5-7B");
      assertThat(a.identity()).isNotEqualTo(b.identity());
    }
  }

  @Test
  void identity_differsForAnotherVocabularyAndHoldsNoAddressOrKey() {
    try (StubServer one = StubContracts.start(Engine.LLAMA_CPP);
        StubServer two = StubContracts.start(Engine.LLAMA_CPP).reportVocabulary(50257);
        HttpScorer a = StubContracts.scorer(one, Engine.LLAMA_CPP).build();
        HttpScorer b = StubContracts.scorer(two, Engine.LLAMA_CPP)
            .apiKeyFromEnvironment("KEY").environment(v -> "sk-secret-123").build()) {
      assertThat(b.identity()).containsEntry("vocabularySize", "50257");
      assertThat(a.identity().get("vocabularySize")).isNotEqualTo("50257");
      for (Map.Entry<String, String> e : b.identity().entrySet()) {
        assertThat(e.getValue()).as(e.getKey())
            .doesNotContain("sk-secret-123")
            .doesNotContain("127.0.0.1")
            .doesNotContain(two.url());
      }
    }
  }

  @Test
  void aCheckpointWrittenAgainstOneServedModel_isNotResumedAgainstAnother(@TempDir Path dir) {
    Path file = dir.resolve("run.ckpt");
    try (StubServer one = StubContracts.start(Engine.VLLM);
        StubServer two = StubContracts.start(Engine.VLLM).modelName("other-model");
        HttpScorer a = StubContracts.scorer(one, Engine.VLLM).build();
        HttpScorer b = StubContracts.scorer(two, Engine.VLLM).build()) {
      Icm.builder().scorer(a).seed(1).checkpoint(file, 5).build().run(StubContracts.examples());

      assertThatThrownBy(() -> Icm.builder().scorer(b).seed(1).checkpoint(file, 5).build().run(StubContracts.examples()))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("the scorer's model is " + a.modelName() + " in the checkpoint, other-model in this run");
    }
  }
}
