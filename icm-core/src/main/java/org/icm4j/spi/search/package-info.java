/** The search-strategy SPI: {@link org.icm4j.spi.search.SearchStrategy} and what a strategy sees and returns; schedules and samplers of the annealing. */
@NullMarked
package org.icm4j.spi.search;

import org.jspecify.annotations.NullMarked;
