package org.icm4j;

import org.icm4j.search.Searches;
import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.testing.SearchStrategyContract;

class MultiStartSearchContractTest extends SearchStrategyContract {
  @Override
  protected SearchStrategy strategy() {
    return Searches.multiStart().withStarts(4);
  }
}
