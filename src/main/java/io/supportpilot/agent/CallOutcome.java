package io.supportpilot.agent;

/** How one HTTP call to the Messages API ended: the outcome tag of the call metrics and of {@code claude_calls}. */
enum CallOutcome { OK, RATE_LIMITED, OVERLOADED, SERVER_ERROR, TIMEOUT, MALFORMED, CLIENT_ERROR }
