# Build stage: compiles the engine and collects its runtime libraries into target/lib.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline -DexcludeReactor=true || true
COPY conf conf
COPY src src
RUN mvn -B -q -DskipTests package

# Run stage: a JRE, the jar and its libraries, the default config.
FROM eclipse-temurin:17-jre
WORKDIR /app
# curl for the HEALTHCHECK (the base image does not promise one; /bin/sh is dash, which has no /dev/tcp).
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 supportpilot && mkdir -p /app/data && chown supportpilot /app/data
COPY --from=build /src/target/supportpilot.jar /app/supportpilot.jar
COPY --from=build /src/target/lib /app/lib
COPY conf /app/conf
USER supportpilot
EXPOSE 8080
# A fixed heap (not a share of the host's memory); raise -Xmx with JAVA_OPTS for bigger caches.
ENV HTTP_PORT=8080 JAVA_OPTS="-Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError"
# Liveness on the port the engine listens on: fails when the engine cannot recover by itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${HTTP_PORT}/health/live" || exit 1
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS -jar /app/supportpilot.jar"]
