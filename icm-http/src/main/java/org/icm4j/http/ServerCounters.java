package org.icm4j.http;

/**
 * What a {@link HttpScorer} asked of its server so far, from the server's own counters where it
 * reports them. Immutable and thread-safe.
 *
 * @param requests HTTP requests sent, retries included
 * @param retries requests sent again after a 429, a 5xx, a timeout or a failed connection
 * @param promptTokens prompt tokens of all scoring requests, as the server counts them
 * @param cachedTokens of those, tokens the server reused from its prefix cache
 * @param evaluatedTokens of those, tokens the server computed (llama.cpp: {@code timings.prompt_n})
 * @param reportedResults scoring results that carried the counters (a server that does not report
 *     them leaves the token counts at 0)
 */
public record ServerCounters(
    long requests, long retries, long promptTokens, long cachedTokens, long evaluatedTokens, long reportedResults) {

  /**
   * The counts of this minus those of {@code earlier}.
   *
   * @param earlier counters read before these
   * @return the counts of this minus those of {@code earlier}
   */
  public ServerCounters minus(ServerCounters earlier) {
    return new ServerCounters(
        requests - earlier.requests,
        retries - earlier.retries,
        promptTokens - earlier.promptTokens,
        cachedTokens - earlier.cachedTokens,
        evaluatedTokens - earlier.evaluatedTokens,
        reportedResults - earlier.reportedResults);
  }
}
