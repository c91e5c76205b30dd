# syntax=docker/dockerfile:1
# Both Kaizen images from one file, one target each. Build from the repository root:
#   docker build --target knowledge-service -t kaizen/knowledge-service:0.1.0 .
#   docker build --target mcp-gateway       -t kaizen/mcp-gateway:0.1.0 .
# Without a Docker engine, `./kaizen images` builds both with buildah from this file and checks them.
#
# The file names no module: the whole repository goes in (.dockerignore keeps build output,
# node_modules, .git and the deployment files out), so a module added to the root pom.xml is in the
# image build as soon as it is in the repository.

# Temurin 25 builds (as in development and CI; the code targets --release 21) and runs.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
# The Ubuntu-based JRE (not alpine) has bash and coreutils, which the compose health check
# (bash /dev/tcp) and a debugging shell rely on; it has no curl or wget.
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

# The repository, and beside it /poms: every pom.xml of the tree in its place and nothing else.
# Maven reads the whole reactor even with -pl, so the dependency layer below needs every module's
# pom; finding them instead of listing them means the list cannot fall behind the root pom.
FROM ${BUILD_IMAGE} AS tree
WORKDIR /build
COPY . .
RUN mkdir /poms && find . -name pom.xml -exec cp --parents {} /poms/ \;

# The dependencies of both services. This layer is rebuilt only when a pom.xml changes: the COPY's
# cache key is the content of /poms, not of the whole tree.
FROM ${BUILD_IMAGE} AS dependencies
WORKDIR /build
COPY --from=tree /poms/ ./
RUN mvn -B -q -pl knowledge-service,mcp-gateway -am dependency:go-offline

# Then the sources, all of them (-am builds whatever the services depend on, test sources included:
# they compile even with -DskipTests).
FROM dependencies AS sources
COPY --from=tree /build/ ./

FROM sources AS build-knowledge-service
RUN mvn -B -q -pl knowledge-service -am package -DskipTests

FROM sources AS build-mcp-gateway
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
# restarted instead of limping on; every 5 s the JVM hands back to the system the memory the C
# library keeps of what was freed outside the heap (ONNX Runtime's working memory, the JIT's: tens of
# MiB that would count against the limit for good; a Java 22+ flag); libraries may use sun.misc.Unsafe
# without a warning (a Java 23+ flag: drop these two if you run on Java 21). Further flags: JAVA_TOOL_OPTIONS (an explicit -Xmx there
# overrides MaxRAMPercentage). No incubator module is required: a JRE without jdk.incubator.vector
# would refuse to boot with --add-modules; Lucene's vector search runs without it (scalar code, a
# warning at start), and JDK_JAVA_OPTIONS=--add-modules=jdk.incubator.vector turns it on where the
# JRE has the module. Threads of the lowest Java priority (knowledge-service's embedding and
# vector index work) run at nice 19, so requests take the cores first: lowering a priority needs no
# permission, so the JVM's one warning at start that ThreadPriorityPolicy=1 "may require system level
# permission" does not apply. java runs as PID 1 and handles SIGTERM itself: calls in flight get
# SHUTDOWN_GRACE to finish.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:TrimNativeHeapInterval=5000", "-XX:ThreadPriorityPolicy=1", "-XX:JavaPriority1_To_OSPriority=19", "--sun-misc-unsafe-memory-access=allow", "-jar", "app.jar"]

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
