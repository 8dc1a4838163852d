package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** {@link Commands#message}: what a failed parallel run prints. */
class CommandsTest {
  @Test
  void message_isTheCauses_orTheExceptionsOwnWithoutACause() {
    assertThat(Commands.message(new ExecutionException("outer", new IllegalStateException("inner")))).isEqualTo("inner");
    assertThat(Commands.message(new ExecutionException("outer", null))).isEqualTo("outer");
  }
}
