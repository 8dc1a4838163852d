package org.icm4j;

import org.icm4j.search.RuleHandling;
import org.icm4j.search.Searches;
import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.testing.SearchStrategyContract;

class ExhaustiveSearchContractTest extends SearchStrategyContract {
  @Override
  protected SearchStrategy strategy() {
    return Searches.exhaustive(RuleHandling.CONSTRAINTS);
  }

  @Override
  protected int groups() {
    return 3; // 12 examples: 4,096 labelings
  }
}
