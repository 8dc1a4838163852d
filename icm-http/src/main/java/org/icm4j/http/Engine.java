package org.icm4j.http;

/**
 * The inference engines {@link HttpScorer} speaks to, each through its own API for exact
 * log-probabilities of chosen tokens after a token-id prompt (see docs/remote.md for the set-up of
 * each). Ollama and TGI are not here: neither gives exact label log-probabilities for a
 * client-tokenized prompt.
 */
public enum Engine {
  /** llama.cpp's {@code llama-server}: {@code /completion} with {@code logit_bias}, one label token per request. */
  LLAMA_CPP,
  /** vLLM's OpenAI-compatible {@code /v1/completions} with {@code allowed_token_ids}, prompts batched. */
  VLLM,
  /** SGLang's {@code /generate} with {@code token_ids_logprob}, prompts batched, all labels per request. */
  SGLANG;

  EngineAdapter adapter() {
    switch (this) {
      case LLAMA_CPP:
        return new LlamaCppAdapter();
      case VLLM:
        return new VllmAdapter();
      case SGLANG:
        return new SglangAdapter();
      default:
        throw new AssertionError(this);
    }
  }
}
