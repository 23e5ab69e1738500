package io.supportpilot.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Prints the number of rows in {@code support_error_log}. Usage: {@code CountRows <jdbc-url>}. */
public final class CountRows {

  private CountRows() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0], "postgres", "postgres");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT (source, event_id)) FROM support_error_log")) {
      rs.next();
      System.out.println(rs.getLong(1) + " " + rs.getLong(2));
    }
  }
}
