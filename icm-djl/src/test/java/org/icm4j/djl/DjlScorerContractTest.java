package org.icm4j.djl;

import java.util.List;
import java.util.Optional;
import org.icm4j.Example;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.ScorerContract;
import org.icm4j.text.LeaveOneOutOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The shared scorer contract on DjlScorer in each leave-one-out mode, with and without key/value reuse. */
class DjlScorerContractTest {

  abstract static class Base extends ScorerContract {
    private DjlScorer scorer;

    abstract boolean reuse();

    abstract DjlScorer.LeaveOneOut mode();

    @Override
    protected LabelScorer scorer() {
      if (scorer == null) {
        scorer = ToyWorld.scorer(reuse(), mode());
      }
      return scorer;
    }

    @Override
    protected Optional<LeaveOneOutOrder> leaveOneOutOrder() {
      return Optional.of(mode().order());
    }

    @Override
    protected List<Example> examples() {
      return ToyWorld.examples(9);
    }

    @Override
    protected double tolerance() {
      return 1e-4;
    }

    @AfterEach
    void close() {
      if (scorer != null) {
        scorer.close();
      }
    }
  }

  @Nested
  class DivideAndConquerWithCache extends Base {
    @Override
    boolean reuse() {
      return true;
    }

    @Override
    DjlScorer.LeaveOneOut mode() {
      return DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER;
    }
  }

  @Nested
  class SharedPrefixWithCache extends Base {
    @Override
    boolean reuse() {
      return true;
    }

    @Override
    DjlScorer.LeaveOneOut mode() {
      return DjlScorer.LeaveOneOut.SHARED_PREFIX;
    }
  }

  @Nested
  class Plain extends Base {
    @Override
    boolean reuse() {
      return true;
    }

    @Override
    DjlScorer.LeaveOneOut mode() {
      return DjlScorer.LeaveOneOut.PLAIN;
    }
  }

  @Nested
  class DivideAndConquerWithoutCache extends Base {
    @Override
    boolean reuse() {
      return false;
    }

    @Override
    DjlScorer.LeaveOneOut mode() {
      return DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER;
    }
  }
}
