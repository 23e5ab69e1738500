package io.supportpilot.admin;

import io.supportpilot.config.Secrets;
import io.supportpilot.web.BearerAuth;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the admin token: {@code ADMIN_TOKEN} from the environment, or else a token generated at first
 * start, stored only as its SHA-256 in {@code app_settings} and printed once to standard output (not to the
 * log). Admin endpoints are therefore never open by default.
 */
public final class AdminTokens {

  private static final Logger LOG = LoggerFactory.getLogger(AdminTokens.class);
  static final String KEY = "admin_token_sha256";

  private AdminTokens() {
  }

  /** The SHA-256 of the admin token in force. */
  public static Future<byte[]> resolve(Pool pool, Secrets secrets) {
    if (secrets.get("ADMIN_TOKEN").isPresent()) {
      LOG.info("admin token: from ADMIN_TOKEN");
      return Future.succeededFuture(BearerAuth.sha256(secrets.get("ADMIN_TOKEN").get()));
    }
    return pool.preparedQuery("SELECT value FROM app_settings WHERE key = $1").execute(Tuple.of(KEY))
        .compose(rows -> {
          if (rows.size() > 0) {
            LOG.info("admin token: the one generated at first start (stored hashed; set ADMIN_TOKEN to replace it)");
            return Future.succeededFuture(HexFormat.of().parseHex(rows.iterator().next().getString(0)));
          }
          byte[] raw = new byte[32];
          new SecureRandom().nextBytes(raw);
          String token = "spa_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
          String hash = BearerAuth.sha256Hex(token);
          return pool.preparedQuery("INSERT INTO app_settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING "
                  + "RETURNING value")
              .execute(Tuple.of(KEY, hash))
              .compose(inserted -> {
                if (inserted.size() == 0) {
                  // Another instance generated one first: use that.
                  return resolve(pool, secrets);
                }
                System.out.println();
                System.out.println("==============================================================");
                System.out.println(" supportpilot generated an admin token. It is shown only now;");
                System.out.println(" only its hash is stored. Use it as: Authorization: Bearer <token>");
                System.out.println();
                System.out.println("   " + token);
                System.out.println();
                System.out.println(" Set ADMIN_TOKEN to choose your own instead.");
                System.out.println("==============================================================");
                System.out.println();
                return Future.succeededFuture(HexFormat.of().parseHex(hash));
              });
        });
  }
}
