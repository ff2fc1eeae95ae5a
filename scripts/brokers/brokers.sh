#!/usr/bin/env bash
# Real brokers for Polybus from one command.
#
#   bash scripts/brokers/brokers.sh up       # start what is missing, wait for real protocol answers
#   bash scripts/brokers/brokers.sh status   # each broker: address, up/down, who started it, RSS
#   bash scripts/brokers/brokers.sh down     # stop only what this script started
#
# Kafka 3.9 (KRaft, one node) and ElasticMQ run from jars Maven resolves into the cache dir
# ${POLYBUS_BROKERS_HOME:-$HOME/.cache/polybus-brokers}. RabbitMQ, Redis and PostgreSQL are the
# Debian packages; they are started only when they do not already answer. See docs/brokers.md.
set -uo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
BROKERS_HOME="${POLYBUS_BROKERS_HOME:-$HOME/.cache/polybus-brokers}"

KAFKA_HEAP="${POLYBUS_KAFKA_HEAP:--Xms128m -Xmx512m}"
ELASTICMQ_HEAP="${POLYBUS_ELASTICMQ_HEAP:--Xms32m -Xmx256m}"

export POLYBUS_KAFKA_BROKERS="${POLYBUS_KAFKA_BROKERS:-127.0.0.1:9092}"
export POLYBUS_SQS_ENDPOINT="${POLYBUS_SQS_ENDPOINT:-http://127.0.0.1:9324}"
export POLYBUS_AMQP_URL="${POLYBUS_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
export POLYBUS_REDIS_URL="${POLYBUS_REDIS_URL:-redis://127.0.0.1:6379}"
export POLYBUS_PG_URL="${POLYBUS_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

ALL_BROKERS=(kafka sqs amqp redis postgres)

log() { printf '[brokers] %s\n' "$*"; }
warn() { printf '[brokers] WARNING: %s\n' "$*" >&2; }
die() { printf '[brokers] ERROR: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }
T0="$(now_ms)"
elapsed() { local t; t=$(($(now_ms) - T0)); printf '%d.%01ds' $((t / 1000)) $(((t % 1000) / 100)); }

# ---------------------------------------------------------------------------------------------
# helpers

# host part of "host:port", "scheme://user:pw@host:port/x"
url_host() { local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; u="${u%%\?*}"; printf '%s' "${u%:*}"; }
url_port() {
  local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; u="${u%%\?*}"
  if [[ "$u" == *:* ]]; then printf '%s' "${u##*:}"; else printf '%s' "$2"; fi
}
is_local() { case "$1" in 127.0.0.1 | localhost | ::1 | '[::1]') return 0 ;; *) return 1 ;; esac; }

# pid alive and its command line contains a marker (protects against pid reuse)
pid_matches() {
  local pid="$1" marker="$2"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}
read_pid() { [[ -s "$1" ]] && tr -dc '0-9' <"$1"; }

rss_mb() { local r; r="$(ps -o rss= -p "$1" 2>/dev/null | tr -d ' ')"; [[ -n "$r" ]] && echo "$((r / 1024)) MB"; }

# pid listening on a TCP port (needs ss; empty when unknown)
port_pid() {
  command -v ss >/dev/null || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

# Real protocol check via ready.js. --once: one quick attempt.
ready() { node "$SCRIPT_DIR/ready.js" "$@"; }
answers() { ready --once "$1" >/dev/null 2>&1; }

require_node_modules() {
  command -v node >/dev/null || die "node is not on PATH"
  for m in kafkajs @aws-sdk/client-sqs amqplib ioredis pg; do
    [[ -d "$REPO_ROOT/node_modules/$m" ]] || die "node_modules/$m is missing: run 'pnpm install' at the repo root first"
  done
}

require_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless ||
    die "java is not on PATH (Kafka and ElasticMQ need Java 11+; Debian: apt-get install -y openjdk-17-jre-headless)"
  command -v mvn >/dev/null || apt_install maven ||
    die "mvn is not on PATH (needed once to fetch jars; Debian: apt-get install -y maven)"
}

# Populate <cache>/<name>/lib from scripts/brokers/<name>/pom.xml, unless it already matches the pom.
ensure_jars() {
  local name="$1" pom="$SCRIPT_DIR/$1/pom.xml" dir="$BROKERS_HOME/$1"
  local want have
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  have="$(cat "$dir/lib/.pom.sha256" 2>/dev/null || true)"
  if [[ "$want" == "$have" ]] && compgen -G "$dir/lib/*.jar" >/dev/null; then
    return 0
  fi
  require_java
  log "$name: resolving jars with Maven (once; cached in $dir/lib)"
  rm -rf "$dir/lib.tmp"
  mkdir -p "$dir"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$dir/lib.tmp" -DincludeScope=runtime >"$dir/mvn.log" 2>&1; then
    tail -n 30 "$dir/mvn.log" >&2
    die "$name: Maven could not resolve the jars (full log: $dir/mvn.log)"
  fi
  rm -rf "$dir/lib"
  mv "$dir/lib.tmp" "$dir/lib"
  echo "$want" >"$dir/lib/.pom.sha256"
  log "$name: $(find "$dir/lib" -name '*.jar' | wc -l) jars ready ($(du -sh "$dir/lib" | cut -f1))"
}

# Start "$@" detached in its own session, stdout+stderr to $log, pid to $pidfile.
spawn() {
  local pidfile="$1" logfile="$2" workdir="$3"
  shift 3
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.1"
  (
    cd "$workdir" || exit 1
    exec 9>&- # the lock fd of with_lock: a broker must not keep it
    # bash writes its own pid, then becomes the program: the pid file holds the JVM's pid.
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >"$logfile" 2>&1 </dev/null
  ) &
  local i
  for i in $(seq 1 50); do [[ -s "$pidfile" ]] && return 0; sleep 0.1; done
  warn "no pid file $pidfile after 5 s"
}

# Stop a pid we started: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name="$1" pidfile="$2" marker="$3" wait_s="$4"
  local pid
  pid="$(read_pid "$pidfile")"
  if ! pid_matches "$pid" "$marker"; then
    rm -f "$pidfile"
    return 1
  fi
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null
  local i
  for i in $(seq 1 $((wait_s * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name: pid $pid still alive after ${wait_s}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
  return 0
}

# ---------------------------------------------------------------------------------------------
# Kafka (KRaft combined mode, one node)

KAFKA_DIR="$BROKERS_HOME/kafka"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"

kafka_managed() {
  local h p
  h="$(url_host "${POLYBUS_KAFKA_BROKERS%%,*}")"
  p="$(url_port "${POLYBUS_KAFKA_BROKERS%%,*}" 9092)"
  is_local "$h" && [[ "$p" == 9092 ]]
}

kafka_up() {
  if ! kafka_managed; then
    log "kafka: POLYBUS_KAFKA_BROKERS=$POLYBUS_KAFKA_BROKERS is not the local default, not starting one"
    return 0
  fi
  local pid
  pid="$(read_pid "$KAFKA_PID")"
  if pid_matches "$pid" kafka.Kafka; then
    log "kafka: already running (pid $pid, started by this script)"
    return 0
  fi
  rm -f "$KAFKA_PID"
  if answers kafka; then
    log "kafka: something already answers on $POLYBUS_KAFKA_BROKERS (not started by this script), left alone"
    return 0
  fi
  ensure_jars kafka || return 1
  require_java
  mkdir -p "$KAFKA_DIR/data"
  sed "s#@@DATA_DIR@@#$KAFKA_DIR/data#g" "$SCRIPT_DIR/kafka/server.properties.template" >"$KAFKA_DIR/server.properties"
  cp "$SCRIPT_DIR/kafka/log4j.properties" "$KAFKA_DIR/log4j.properties"
  local cp="$KAFKA_DIR/lib/*"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    local cid
    cid="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    [[ -n "$cid" ]] || die "kafka: could not generate a cluster id"
    log "kafka: formatting KRaft storage (cluster id $cid)"
    if ! java -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" -Dlog4j.rootLogger=WARN -cp "$cp" \
      kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1; then
      tail -n 20 "$KAFKA_DIR/format.log" >&2
      die "kafka: storage format failed (log: $KAFKA_DIR/format.log)"
    fi
  fi
  # shellcheck disable=SC2086 # heap options are a word list on purpose
  spawn "$KAFKA_PID" "$KAFKA_LOG" "$KAFKA_DIR" \
    java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -Dpolybus.broker=kafka -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties"
  log "kafka: started pid $(read_pid "$KAFKA_PID") (log: $KAFKA_LOG)"
}

kafka_down() {
  stop_pid kafka "$KAFKA_PID" kafka.Kafka 40 || log "kafka: not started by this script, nothing to stop"
}

# ---------------------------------------------------------------------------------------------
# ElasticMQ (SQS)

EMQ_DIR="$BROKERS_HOME/elasticmq"
EMQ_PID="$EMQ_DIR/elasticmq.pid"
EMQ_LOG="$EMQ_DIR/elasticmq.log"

sqs_managed() {
  local h p
  h="$(url_host "$POLYBUS_SQS_ENDPOINT")"
  p="$(url_port "$POLYBUS_SQS_ENDPOINT" 80)"
  is_local "$h" && [[ "$p" == 9324 ]]
}

sqs_up() {
  if ! sqs_managed; then
    log "sqs: POLYBUS_SQS_ENDPOINT=$POLYBUS_SQS_ENDPOINT is not the local default, not starting ElasticMQ"
    return 0
  fi
  local pid
  pid="$(read_pid "$EMQ_PID")"
  if pid_matches "$pid" org.elasticmq.server.Main; then
    log "sqs: ElasticMQ already running (pid $pid, started by this script)"
    return 0
  fi
  rm -f "$EMQ_PID"
  if answers sqs; then
    log "sqs: something already answers on $POLYBUS_SQS_ENDPOINT (not started by this script), left alone"
    return 0
  fi
  ensure_jars elasticmq || return 1
  require_java
  cp "$SCRIPT_DIR/elasticmq/elasticmq.conf" "$EMQ_DIR/elasticmq.conf"
  # shellcheck disable=SC2086
  spawn "$EMQ_PID" "$EMQ_LOG" "$EMQ_DIR" \
    java $ELASTICMQ_HEAP -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Xss512k \
    -Djava.awt.headless=true -Dconfig.file="$EMQ_DIR/elasticmq.conf" \
    -Dpolybus.broker=elasticmq -cp "$EMQ_DIR/lib/*" org.elasticmq.server.Main
  log "sqs: ElasticMQ started pid $(read_pid "$EMQ_PID") (log: $EMQ_LOG)"
}

sqs_down() {
  stop_pid sqs "$EMQ_PID" org.elasticmq.server.Main 15 || log "sqs: ElasticMQ not started by this script, nothing to stop"
}

# ---------------------------------------------------------------------------------------------
# Debian services: RabbitMQ, Redis, PostgreSQL. Started only when they do not answer; never
# reconfigured when they were already installed.

APT_UPDATED=0
apt_install() {
  if [[ "${POLYBUS_BROKERS_APT:-1}" == 0 ]]; then
    warn "$* not installed and POLYBUS_BROKERS_APT=0: install them yourself"
    return 1
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    warn "$* not installed; install them (Debian: sudo apt-get install -y $*)"
    return 1
  fi
  if [[ "$APT_UPDATED" == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

REDIS_DIR="$BROKERS_HOME/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_up() {
  local h p
  h="$(url_host "$POLYBUS_REDIS_URL")"
  p="$(url_port "$POLYBUS_REDIS_URL" 6379)"
  if answers redis; then
    log "redis: already answers on $h:$p, left alone"
    return 0
  fi
  if ! is_local "$h"; then
    warn "redis: $h:$p does not answer and is not local; not starting one"
    return 0
  fi
  command -v redis-server >/dev/null || apt_install redis-server || return 1
  mkdir -p "$REDIS_DIR"
  [[ -f "$REDIS_LOG" ]] && mv -f "$REDIS_LOG" "$REDIS_LOG.1"
  log "redis: starting redis-server on 127.0.0.1:$p"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$p" --save "" --appendonly no \
    --dir "$REDIS_DIR" --logfile "$REDIS_LOG" --pidfile "$REDIS_PID" 9>&- ||
    warn "redis: redis-server failed to start (log: $REDIS_LOG)"
}

redis_down() {
  stop_pid redis "$REDIS_PID" redis-server 10 || log "redis: not started by this script, nothing to stop"
}

RABBIT_MARK="$BROKERS_HOME/rabbitmq/started-by-brokers-sh"

amqp_up() {
  local h
  h="$(url_host "$POLYBUS_AMQP_URL")"
  if answers amqp; then
    log "amqp: RabbitMQ already answers on $h:$(url_port "$POLYBUS_AMQP_URL" 5672), left alone"
    return 0
  fi
  if ! is_local "$h"; then
    warn "amqp: $h does not answer and is not local; not starting one"
    return 0
  fi
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server || return 1
  if [[ "$(id -u)" != 0 ]]; then
    warn "amqp: RabbitMQ is down and starting it needs root; run: sudo rabbitmq-server -detached"
    return 0
  fi
  mkdir -p "$(dirname "$RABBIT_MARK")"
  log "amqp: starting RabbitMQ (rabbitmq-server -detached)"
  if rabbitmq-server -detached >"$BROKERS_HOME/rabbitmq/start.log" 2>&1 9>&-; then
    date -u +%FT%TZ >"$RABBIT_MARK"
  else
    warn "amqp: rabbitmq-server -detached failed: $(tail -n 5 "$BROKERS_HOME/rabbitmq/start.log")"
  fi
}

amqp_down() {
  if [[ -f "$RABBIT_MARK" ]]; then
    log "amqp: stopping RabbitMQ (rabbitmqctl stop)"
    timeout 60 rabbitmqctl stop >/dev/null 2>&1 || warn "amqp: rabbitmqctl stop failed"
    rm -f "$RABBIT_MARK"
  else
    log "amqp: RabbitMQ not started by this script, nothing to stop"
  fi
}

PG_MARK="$BROKERS_HOME/postgres/started-by-brokers-sh"
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

# Database named in POLYBUS_PG_URL (default test)
pg_dbname() { local u="${POLYBUS_PG_URL#*://}"; u="${u#*/}"; u="${u%%\?*}"; [[ "$u" == "${POLYBUS_PG_URL#*://}" ]] && u=postgres; printf '%s' "${u:-postgres}"; }

postgres_up() {
  local h fresh=0
  h="$(url_host "$POLYBUS_PG_URL")"
  if answers postgres; then
    log "postgres: already answers on $h:$(url_port "$POLYBUS_PG_URL" 5432), left alone"
    return 0
  fi
  if ! is_local "$h"; then
    warn "postgres: $h does not answer and is not local; not starting one"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(pg_version)" ]]; then
    apt_install postgresql || return 1
    fresh=1
  fi
  if [[ "$(id -u)" != 0 ]]; then
    warn "postgres: down and starting it needs root; run: sudo pg_ctlcluster $(pg_version) main start"
    return 0
  fi
  local v
  v="$(pg_version)"
  if [[ "$fresh" == 1 ]]; then
    # A cluster we just installed: let local TCP clients in without a password (dev/CI only).
    local hba="/etc/postgresql/$v/main/pg_hba.conf"
    log "postgres: fresh install, trusting 127.0.0.1 and ::1 in $hba"
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  if ! pg_ctlcluster --skip-systemctl-redirect "$v" main status >/dev/null 2>&1; then
    mkdir -p "$(dirname "$PG_MARK")"
    log "postgres: starting cluster $v/main"
    if pg_ctlcluster --skip-systemctl-redirect "$v" main start 9>&-; then
      date -u +%FT%TZ >"$PG_MARK"
    else
      warn "postgres: pg_ctlcluster start failed"
      return 0
    fi
  elif [[ "$fresh" == 1 ]]; then
    pg_ctlcluster --skip-systemctl-redirect "$v" main reload 9>&- || true
  fi
  # The database named in POLYBUS_PG_URL must exist (peer auth as the postgres OS user).
  local db
  db="$(pg_dbname)"
  if [[ "$db" =~ ^[A-Za-z0-9_]+$ ]] && command -v runuser >/dev/null; then
    local i
    for i in $(seq 1 30); do
      runuser -u postgres -- psql -qtAc 'select 1' >/dev/null 2>&1 && break
      sleep 1
    done
    if [[ -z "$(runuser -u postgres -- psql -qtAc "select 1 from pg_database where datname = '$db'" 2>/dev/null)" ]]; then
      log "postgres: creating database $db"
      runuser -u postgres -- createdb "$db" || warn "postgres: createdb $db failed"
    fi
  fi
}

postgres_down() {
  if [[ -f "$PG_MARK" ]]; then
    log "postgres: stopping cluster $(pg_version)/main"
    pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main stop -m fast || warn "postgres: stop failed"
    rm -f "$PG_MARK"
  else
    log "postgres: not started by this script, nothing to stop"
  fi
}

# ---------------------------------------------------------------------------------------------
# logs and process info

broker_log() {
  case "$1" in
  kafka) echo "$KAFKA_LOG" ;;
  sqs) echo "$EMQ_LOG" ;;
  redis) if [[ -s "$REDIS_LOG" ]]; then echo "$REDIS_LOG"; else echo /var/log/redis/ci.log; fi ;;
  amqp) ls -t /var/log/rabbitmq/rabbit@*.log 2>/dev/null | grep -v upgrade | head -1 ;;
  postgres) ls -t /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -1 ;;
  esac
}

print_log_tail() {
  local f
  f="$(broker_log "$1")"
  if [[ -n "$f" && -r "$f" ]]; then
    printf '\n----- %s: last 40 lines of %s -----\n' "$1" "$f" >&2
    tail -n 40 "$f" >&2
    printf -- '----- end of %s log -----\n' "$1" >&2
  else
    printf '\n----- %s: no log file found -----\n' "$1" >&2
  fi
}

broker_pid() {
  local p
  case "$1" in
  kafka) p="$(read_pid "$KAFKA_PID")"; pid_matches "$p" kafka.Kafka && { echo "$p script"; return; }
    p="$(port_pid "$(url_port "${POLYBUS_KAFKA_BROKERS%%,*}" 9092)")" ;;
  sqs) p="$(read_pid "$EMQ_PID")"; pid_matches "$p" org.elasticmq.server.Main && { echo "$p script"; return; }
    p="$(port_pid "$(url_port "$POLYBUS_SQS_ENDPOINT" 80)")" ;;
  redis) p="$(read_pid "$REDIS_PID")"; pid_matches "$p" redis-server && { echo "$p script"; return; }
    p="$(port_pid "$(url_port "$POLYBUS_REDIS_URL" 6379)")" ;;
  amqp) p="$(port_pid "$(url_port "$POLYBUS_AMQP_URL" 5672)")"
    [[ -f "$RABBIT_MARK" && -n "$p" ]] && { echo "$p script"; return; } ;;
  postgres) p="$(port_pid "$(url_port "$POLYBUS_PG_URL" 5432)")"
    [[ -f "$PG_MARK" && -n "$p" ]] && { echo "$p script"; return; } ;;
  esac
  [[ -n "$p" ]] && echo "$p external"
}

print_processes() {
  local b info pid owner total=0 r
  printf '\n%-9s %-8s %-10s %s\n' broker pid owner rss
  for b in "${SELECTED[@]}"; do
    info="$(broker_pid "$b")"
    if [[ -z "$info" ]]; then
      printf '%-9s %-8s %-10s %s\n' "$b" - - -
      continue
    fi
    pid="${info% *}"
    owner="${info#* }"
    [[ "$owner" == script ]] && owner="brokers.sh" || owner="external"
    r="$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')"
    # postgres: the postmaster and its children
    if [[ "$b" == postgres && -n "$r" ]]; then
      r="$(ps -o rss= --ppid "$pid" 2>/dev/null | awk -v s="$r" '{s+=$1} END {print s}')"
    fi
    total=$((total + ${r:-0}))
    printf '%-9s %-8s %-10s %s\n' "$b" "$pid" "$owner" "$(( ${r:-0} / 1024 )) MB"
  done
  printf '%-9s %-8s %-10s %s\n' total '' '' "$((total / 1024)) MB"
}

# ---------------------------------------------------------------------------------------------
# commands

# Serialise up/down/reset on one cache dir. Daemons started below get `9>&-`: they must not
# inherit the lock's file descriptor (it would stay locked for as long as they run).
LOCKED=0
with_lock() {
  [[ "$LOCKED" == 1 ]] && return 0
  LOCKED=1
  mkdir -p "$BROKERS_HOME"
  exec 9>"$BROKERS_HOME/.lock"
  if ! flock -n 9; then
    log "another brokers.sh is running on $BROKERS_HOME, waiting for it"
    flock -w 600 9 || die "timed out waiting for the lock $BROKERS_HOME/.lock"
  fi
}

# Brokers named on the command line (aliases accepted), else all of them.
SELECTED=()
select_brokers() {
  local a
  SELECTED=()
  for a in "$@"; do
    case "$a" in
    kafka) SELECTED+=(kafka) ;;
    sqs | elasticmq) SELECTED+=(sqs) ;;
    amqp | rabbitmq | rabbit) SELECTED+=(amqp) ;;
    redis | redis-streams) SELECTED+=(redis) ;;
    postgres | postgresql | pg) SELECTED+=(postgres) ;;
    *) die "unknown broker '$a' (known: ${ALL_BROKERS[*]})" ;;
    esac
  done
  [[ ${#SELECTED[@]} -gt 0 ]] || SELECTED=("${ALL_BROKERS[@]}")
}
selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }

cmd_up() {
  require_node_modules
  with_lock
  log "cache dir: $BROKERS_HOME"
  # Start everything first (each returns quickly), then wait for all of them together.
  selected amqp && amqp_up
  selected redis && redis_up
  selected postgres && postgres_up
  if selected kafka; then kafka_up || warn "kafka: not started"; fi
  if selected sqs; then sqs_up || warn "sqs: not started"; fi
  # ready.js gives up early on a broker whose process (started here) has exited.
  local watch=() p
  p="$(read_pid "$KAFKA_PID")" && [[ -n "$p" ]] && watch+=("kafka:$p")
  p="$(read_pid "$EMQ_PID")" && [[ -n "$p" ]] && watch+=("sqs:$p")
  p="$(read_pid "$REDIS_PID")" && [[ -n "$p" ]] && watch+=("redis:$p")
  log "waiting for protocol answers (Kafka up to 90 s, others up to 60 s)"
  local out rc
  out="$(POLYBUS_READY_WATCH_PIDS="$(
    IFS=,
    echo "${watch[*]}"
  )" ready "${SELECTED[@]}")"
  rc=$?
  printf '%s\n' "$out" | grep -v '^failed:'
  if [[ $rc -ne 0 ]]; then
    local failed b
    failed="$(printf '%s\n' "$out" | sed -n 's/^failed: //p')"
    [[ -n "$failed" ]] || failed="(ready.js exited with $rc)"
    for b in $failed; do print_log_tail "$b"; done
    die "not ready: $failed (after $(elapsed))"
  fi
  log "ready in $(elapsed): ${SELECTED[*]}"
}

cmd_down() {
  with_lock
  selected kafka && kafka_down
  selected sqs && sqs_down
  selected redis && redis_down
  selected amqp && amqp_down
  selected postgres && postgres_down
  return 0
}

cmd_status() {
  require_node_modules
  log "cache dir: $BROKERS_HOME"
  local out rc
  out="$(ready --once "${SELECTED[@]}")"
  rc=$?
  printf '%s\n' "$out" | grep -v '^failed:'
  print_processes
  return $((rc > 0 ? 1 : 0))
}

# Stop what this script started and delete Kafka's and ElasticMQ's data (the jars stay).
cmd_reset() {
  cmd_down
  if selected kafka; then
    local p
    p="$(port_pid 9092)"
    if pid_matches "$p" "$KAFKA_DIR"; then
      die "kafka: pid $p still uses $KAFKA_DIR and was not started by this script; stop it first"
    fi
    log "kafka: deleting $KAFKA_DIR/data (formatted again on the next up)"
    rm -rf "$KAFKA_DIR/data"
  fi
  return 0
}

usage() {
  cat >&2 <<USAGE
usage: $0 <command> [broker...]
  up      start what does not answer yet, then wait for real protocol answers
  down    stop what this script started (pid files in \$POLYBUS_BROKERS_HOME)
  status  each broker: address, up/down, pid, who started it, RSS
  logs    print the tail of each broker's log
  reset   down, then delete Kafka's data dir (topics, offsets); jars stay cached
brokers: ${ALL_BROKERS[*]} (default: all; aliases elasticmq, rabbitmq, pg)
cache dir: $BROKERS_HOME
USAGE
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
up) select_brokers "$@" && cmd_up ;;
down) select_brokers "$@" && cmd_down ;;
status) select_brokers "$@" && cmd_status ;;
reset) select_brokers "$@" && cmd_reset ;;
logs)
  select_brokers "$@"
  for b in "${SELECTED[@]}"; do print_log_tail "$b" 2>&1; done
  ;;
-h | --help | help) usage ;;
*)
  usage
  exit 64
  ;;
esac
