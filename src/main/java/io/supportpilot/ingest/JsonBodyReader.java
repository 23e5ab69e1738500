package io.supportpilot.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.StorableText;
import java.io.IOException;

/**
 * The JSON of webhook bodies under the configured nesting depth and string length limits: strict reads of a body
 * or a slice of it (valid UTF-8 only), and the text of a tree read from one as Postgres stores it. Thread-safe.
 */
public final class JsonBodyReader {

  static final int MAX_NUMBER_CHARS = 100;

  private final ObjectMapper mapper;
  private final JsonFactory factory;

  /** A reader with the given nesting depth and string length limits. */
  public JsonBodyReader(int maxDepth, int maxStringChars) {
    JsonFactory f = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxDepth)
            .maxStringLength(maxStringChars)
            .maxNumberLength(MAX_NUMBER_CHARS)
            .build())
        .build();
    this.factory = f;
    this.mapper = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }

  /**
   * Parses one JSON value from raw bytes; malformed JSON, invalid UTF-8, unpaired surrogate escapes, numbers
   * outside Postgres numeric, or limits give a 400.
   */
  public JsonNode parse(byte[] bytes, int offset, int length) {
    if (length == 0) {
      throw HttpFailure.badRequest("the body is empty");
    }
    String problem = StorableText.jsonProblem(bytes, offset, length, true);
    if (problem != null) {
      throw HttpFailure.badRequest(problem);
    }
    try {
      JsonNode node = mapper.readTree(bytes, offset, length);
      if (node == null || node.isMissingNode()) {
        throw HttpFailure.badRequest("the body is empty");
      }
      return node;
    } catch (IOException e) {
      throw JsonReadFailures.unreadable(e);
    }
  }

  /** A streaming parser over a slice of raw bytes, with the limits; the caller closes it. */
  JsonParser parser(byte[] bytes, int offset, int length) throws IOException {
    return factory.createParser(bytes, offset, length);
  }

  /** The tree of a slice of raw bytes the caller has already checked, with the limits. */
  JsonNode tree(byte[] bytes, int offset, int length) throws IOException {
    return mapper.readTree(bytes, offset, length);
  }

  /** The JSON text of a tree, with NUL characters (which Postgres text cannot hold) as U+FFFD. */
  String storableJson(JsonNode node) {
    try {
      String s = mapper.writeValueAsString(node);
      if (s.contains("\\u0000")) {
        s = mapper.writeValueAsString(PayloadFields.sanitize(node));
      }
      return s;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
