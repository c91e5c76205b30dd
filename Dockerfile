# syntax=docker/dockerfile:1
# Both Kaizen images from one file, one target each. Build from the repository root:
#   docker build --target knowledge-service -t kaizen/knowledge-service:0.1.0 .
#   docker build --target mcp-gateway       -t kaizen/mcp-gateway:0.1.0 .

# Temurin 25 builds (as in development and CI; the code targets --release 21) and runs.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
# The Ubuntu-based JRE (not alpine) has bash and coreutils, which the compose health check
# (bash /dev/tcp) and a debugging shell rely on; it has no curl or wget.
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

# Every module's pom (Maven reads the whole reactor even with -pl) and the dependencies: these
# layers stay cached until a pom changes.
FROM ${BUILD_IMAGE} AS sources
WORKDIR /build
COPY pom.xml ./
COPY proto/pom.xml proto/
COPY database/pom.xml database/
COPY server/pom.xml server/
COPY stack/pom.xml stack/
COPY knowledge-service/pom.xml knowledge-service/
COPY mcp-gateway/pom.xml mcp-gateway/
COPY launcher/pom.xml launcher/
COPY system-tests/pom.xml system-tests/
RUN mvn -B -q -pl knowledge-service,mcp-gateway -am dependency:go-offline
COPY proto/ proto/
COPY server/ server/

# knowledge-service needs the schema, and its tests' PostgreSQL (test sources compile even with -DskipTests).
FROM sources AS build-knowledge-service
COPY database/ database/
COPY stack/ stack/
COPY knowledge-service/ knowledge-service/
RUN mvn -B -q -pl knowledge-service -am package -DskipTests

# mcp-gateway needs only the API and the server basics.
FROM sources AS build-mcp-gateway
COPY mcp-gateway/ mcp-gateway/
RUN mvn -B -q -pl mcp-gateway -am package -DskipTests

# What both images run: a numeric non-root user (so Kubernetes' runAsNonRoot can check it without
# reading /etc/passwd), the service as /app/app.jar with its libs/ beside it (the manifest's
# Class-Path), owned by root and read-only for the service user.
FROM ${RUNTIME_IMAGE} AS runtime
RUN groupadd --system --gid 10001 kaizen \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin kaizen
WORKDIR /app
USER 10001:10001
# Heap sized from the container's memory limit; on OutOfMemoryError the JVM exits so the container is
# restarted instead of limping on; libraries may use sun.misc.Unsafe without a warning (a Java 23+
# flag: drop it if you run on Java 21); Lucene's vector search (knowledge-service) uses the Vector API,
# an incubator module. Further flags: JAVA_TOOL_OPTIONS (an explicit -Xmx there
# overrides MaxRAMPercentage). java runs as PID 1 and handles SIGTERM itself: calls in flight get
# SHUTDOWN_GRACE to finish.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "--sun-misc-unsafe-memory-access=allow", "--add-modules=jdk.incubator.vector", "-jar", "app.jar"]

# knowledge-service: the gRPC API over PostgreSQL.
# 9090: gRPC (kaizen.v1, grpc.health.v1, reflection), SERVER_PORT; 9091: admin HTTP (health, metrics), ADMIN_PORT
FROM runtime AS knowledge-service
COPY --from=build-knowledge-service /build/knowledge-service/target/libs/ /app/libs/
COPY --from=build-knowledge-service /build/knowledge-service/target/knowledge-service.jar /app/app.jar
EXPOSE 9090 9091

# mcp-gateway: MCP Streamable HTTP (POST /mcp) in front of knowledge-service. Stateless.
# 8080: MCP, SERVER_PORT; 8081: admin HTTP (health, metrics), ADMIN_PORT
FROM runtime AS mcp-gateway
COPY --from=build-mcp-gateway /build/mcp-gateway/target/libs/ /app/libs/
COPY --from=build-mcp-gateway /build/mcp-gateway/target/mcp-gateway.jar /app/app.jar
EXPOSE 8080 8081
