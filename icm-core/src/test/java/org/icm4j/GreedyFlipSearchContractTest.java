package org.icm4j;

import org.icm4j.spi.search.SearchStrategy;
import org.icm4j.testing.GreedyFlipSearch;
import org.icm4j.testing.SearchStrategyContract;

/** The worked example of docs/writing-a-search.md meets the contract the built-ins meet. */
class GreedyFlipSearchContractTest extends SearchStrategyContract {
  @Override
  protected SearchStrategy strategy() {
    return new GreedyFlipSearch(5);
  }
}
