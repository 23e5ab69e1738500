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
RUN useradd --system --uid 10001 supportpilot && mkdir -p /app/data && chown supportpilot /app/data
COPY --from=build /src/target/supportpilot.jar /app/supportpilot.jar
COPY --from=build /src/target/lib /app/lib
COPY conf /app/conf
USER supportpilot
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS -jar /app/supportpilot.jar"]
