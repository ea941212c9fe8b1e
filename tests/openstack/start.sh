#!/usr/bin/env bash
# start.sh - minimal all-in-one OpenStack control plane (Debian 12
# "bookworm" packages = OpenStack Zed) with N fake compute hosts.
#
# Services (all on 127.0.0.1, all run as root from $OS_AIO_DIR, no systemd):
#   mariadb (unix socket only), epmd + rabbitmq, keystone, placement, glance,
#   neutron-server (ML2, no agents), nova-api, nova-conductor, nova-scheduler,
#   nova-compute x N (compute_driver = fake.*, no hypervisor).
#
# Usage:  start.sh [--reset] [--no-install] [--env]
#   --reset       stop everything and wipe $OS_AIO_DIR state before starting
#   --no-install  do not run apt-get (fail if packages are missing)
#   --env         only print the auth environment and exit
# Idempotent: running it again only starts what is not running.
# Stop with stop.sh (same directory).
#
# Environment knobs (defaults in brackets):
#   OS_AIO_DIR [/tmp/openstack]   state dir: etc/ run/ log/ data/
#   OS_AIO_COMPUTES [3]           number of fake compute hosts compute1..N
#   OS_AIO_COMPUTE_DRIVER [fake.MediumFakeDriver]  10 vCPU / 8192 MB / 1028 GB
#                                 per host; fake.FakeDriver = 1000/800000/600000,
#                                 fake.SmallFakeDriver = 2/8192/1028
#   OS_AIO_ADMIN_PASSWORD [admin] password of keystone user "admin"
#   OS_AIO_DEBUG [false]          debug logging in all services
#   OS_AIO_READY_TIMEOUT [600]    seconds to wait for each readiness step
set -euo pipefail

OS_DIR=${OS_AIO_DIR:-/tmp/openstack}
N_COMPUTE=${OS_AIO_COMPUTES:-3}
COMPUTE_DRIVER=${OS_AIO_COMPUTE_DRIVER:-fake.MediumFakeDriver}
ADMIN_PASSWORD=${OS_AIO_ADMIN_PASSWORD:-admin}
DEBUG=${OS_AIO_DEBUG:-false}
READY_TIMEOUT=${OS_AIO_READY_TIMEOUT:-600}
SERVICE_PASSWORD=service-secret
DB_USER=openstack
DB_PASSWORD=db-secret
REGION=RegionOne
HOST_IP=127.0.0.1
KEYSTONE_PORT=5000
PLACEMENT_PORT=8778
GLANCE_PORT=9292
NEUTRON_PORT=9696
NOVA_PORT=8774
RABBIT_PORT=5672
RABBIT_DIST_PORT=25672
EPMD_PORT=4369

PY=/usr/bin/python3            # never a pyenv/venv python: the services are system packages
ETC=$OS_DIR/etc
RUN=$OS_DIR/run
LOG=$OS_DIR/log
DATA=$OS_DIR/data
DB_SOCK=$RUN/mysqld.sock
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PACKAGES="mariadb-server rabbitmq-server keystone placement-api glance-api
neutron-server nova-api nova-conductor nova-scheduler nova-compute
python3-openstackclient uwsgi-plugin-python3 curl jq"

DO_RESET=false; DO_INSTALL=true; ENV_ONLY=false
for a in "$@"; do
  case $a in
    --reset) DO_RESET=true ;;
    --no-install) DO_INSTALL=false ;;
    --env) ENV_ONLY=true ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

T0=$(date +%s)
START_UTC=$(date -u +%Y-%m-%dT%H:%M:%S)
say() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

print_env() {
  cat <<EOF
export OS_AUTH_URL=http://$HOST_IP:$KEYSTONE_PORT/v3
export OS_IDENTITY_API_VERSION=3
export OS_AUTH_TYPE=password
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public
export OS_COMPUTE_API_VERSION=2.79
EOF
}
if $ENV_ONLY; then print_env; exit 0; fi

[ "$(id -u)" = 0 ] || die "must run as root"
case $OS_DIR in /?*) ;; *) die "OS_AIO_DIR must be an absolute path below / (got '$OS_DIR')" ;; esac

# ---------------------------------------------------------------- processes
# pid files: $RUN/<name>.pid = "<pid> <starttime>"; every service is started
# with setsid, so its pid is also its process-group id (stop kills the group).
proc_start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
pid_alive() { # name -> 0 if the recorded process is alive
  local f=$RUN/$1.pid pid st
  [ -f "$f" ] || return 1
  read -r pid st < "$f" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(proc_start_time "$pid")" = "$st" ]
}
start_proc() { # name cmd... (env vars via `env K=V cmd`)
  local name=$1; shift
  if pid_alive "$name"; then say "$name already running (pid $(cut -d' ' -f1 "$RUN/$name.pid"))"; return 0; fi
  echo "==== $(date -Is) starting: $*" >> "$LOG/$name.log"
  setsid "$@" >> "$LOG/$name.log" 2>&1 < /dev/null &
  local pid=$!
  sleep 0.2
  echo "$pid $(proc_start_time "$pid")" > "$RUN/$name.pid"
  say "started $name (pid $pid, log $LOG/$name.log)"
}
check_alive() { pid_alive "$1" || die "$1 exited; see $LOG/$1.log: $(tail -n 5 "$LOG/$1.log" 2>/dev/null)"; }
wait_for() { # name-of-process-that-must-stay-alive command... ; retries until success
  local what=$1; shift; local t=$(( $(date +%s) + READY_TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    [ -f "$RUN/$what.pid" ] && check_alive "$what"
    [ "$(date +%s)" -lt "$t" ] || die "timeout waiting for $what"
    sleep 1
  done
  say "ready: $what"
}
http_ok() { curl -fsS -o /dev/null --max-time 5 "$1"; }
http_any() { local c; c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"); [ "$c" != 000 ] && [ "${c:0:1}" != 5 ]; }
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
done_mark() { [ -f "$DATA/.done-$1" ]; }
set_mark() { touch "$DATA/.done-$1"; }

if $DO_RESET; then
  say "reset: stopping services and wiping $OS_DIR/{etc,run,log,data}"
  OS_AIO_DIR=$OS_DIR "$SCRIPT_DIR/stop.sh" || true
  rm -rf "$ETC" "$RUN" "$LOG" "$DATA"
fi

# ---------------------------------------------------------------- packages
install_packages() {
  local missing="" p
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && { say "packages already installed"; return 0; }
  $DO_INSTALL || die "missing packages:$missing"
  say "installing:$missing"
  # Answer "no" to every debconf question that would configure a DB,
  # rabbit, keystone users or endpoints from the maintainer scripts.
  {
    for q in keystone/configure_db keystone/create-admin-tenant keystone/register-endpoint; do echo "keystone $q boolean false"; done
    for q in nova/configure_db nova/configure_rabbit nova/configure_ksat nova/configure_neutron nova/configure_placement; do echo "nova-common $q boolean false"; done
    echo "nova-api novaapi/configure_db boolean false"; echo "nova-api nova/configure_api-endpoint boolean false"
    for q in configure_db configure_ksat; do echo "placement-common placement/$q boolean false"; done
    echo "placement-api placement/configure_api-endpoint boolean false"
    for q in configure_db configure_rabbit configure_ksat; do echo "glance-common glance/$q boolean false"; done
    echo "glance-api glance/configure_api-endpoint boolean false"
    for q in configure_db configure_rabbit configure_ksat configure_nova; do echo "neutron-common neutron/$q boolean false"; done
    echo "neutron-api neutron/configure_api-endpoint boolean false"
  } | debconf-set-selections
  # Keep the packaged services from being started by the maintainer scripts.
  local made_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=true
  fi
  local ta rc=0
  ta=$(date +%s)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
    > "$OS_DIR/apt-install.log" 2>&1 || rc=$?
  $made_policy && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { tail -n 30 "$OS_DIR/apt-install.log"; die "apt-get install failed (log: $OS_DIR/apt-install.log)"; }
  say "apt-get install took $(( $(date +%s) - ta ))s"
  # On a systemd machine, keep the packaged units from starting on boot.
  if [ "$(ps -o comm= 1)" = systemd ]; then
    systemctl disable --now mariadb rabbitmq-server keystone placement-api glance-api \
      neutron-api neutron-rpc-server neutron-server nova-api nova-conductor nova-scheduler \
      nova-compute nova-api-metadata >/dev/null 2>&1 || true
  fi
}
mkdir -p "$OS_DIR"
install_packages
mkdir -p "$ETC" "$RUN" "$LOG" "$DATA"

# ---------------------------------------------------------------- configs
DBURL() { echo "mysql+pymysql://$DB_USER:$DB_PASSWORD@localhost/$1?unix_socket=$DB_SOCK&charset=utf8"; }
TRANSPORT_URL="rabbit://guest:guest@$HOST_IP:$RABBIT_PORT/"
authtoken() { # service user name
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$HOST_IP:$KEYSTONE_PORT
auth_url = http://$HOST_IP:$KEYSTONE_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
region_name = $REGION
service_token_roles_required = true
EOF
}
svc_auth() { # section user
  cat <<EOF
[$1]
auth_url = http://$HOST_IP:$KEYSTONE_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASSWORD
region_name = $REGION
EOF
}
# nova's defaults plus oslo_messaging.rpc.client=ERROR: this oslo.messaging
# warns about RPCClient() on every nova-api request
NOVA_LOG_LEVELS="amqp=WARN,amqplib=WARN,boto=WARN,qpid=WARN,sqlalchemy=WARN,suds=INFO,oslo.messaging=INFO,oslo_messaging=INFO,oslo_messaging.rpc.client=ERROR,iso8601=WARN,requests.packages.urllib3.connectionpool=WARN,urllib3.connectionpool=WARN,websocket=WARN,requests.packages.urllib3.util.retry=WARN,urllib3.util.retry=WARN,keystonemiddleware=WARN,routes.middleware=WARN,stevedore=WARN,taskflow=WARN,keystoneauth=WARN,oslo.cache=INFO,oslo_policy=INFO,dogpile.core.dogpile=INFO"
write_configs() {
  mkdir -p "$ETC"/{keystone,placement,glance,neutron,nova,rabbitmq} \
    "$DATA"/{keystone,glance/images,neutron,nova,rabbitmq,locks} "$LOG/rabbitmq"

  cat > "$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
[database]
connection = $(DBURL keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
[fernet_receipts]
key_repository = $DATA/keystone/fernet-keys
[credential]
key_repository = $DATA/keystone/credential-keys
EOF

  cat > "$ETC/placement/placement.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
[placement_database]
connection = $(DBURL placement)
[api]
auth_strategy = keystone
$(authtoken placement)
EOF

  cp /etc/glance/glance-api-paste.ini "$ETC/glance/glance-api-paste.ini"
  : > "$ETC/glance/glance-image-import.conf"
  cat > "$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
bind_host = $HOST_IP
bind_port = $GLANCE_PORT
# 0 = serve the API from the main process (no forked worker)
workers = 0
node_staging_uri = file://$DATA/glance/staging
[database]
connection = $(DBURL glance)
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $DATA/glance/images
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = $DATA/locks/glance
$(authtoken glance)
EOF

  cp /etc/neutron/api-paste.ini "$ETC/neutron/api-paste.ini"
  cat > "$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
state_path = $DATA/neutron
core_plugin = ml2
service_plugins =
auth_strategy = keystone
bind_host = $HOST_IP
bind_port = $NEUTRON_PORT
# API in the main process, one RPC worker (the minimum), no state-report worker
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
api_paste_config = $ETC/neutron/api-paste.ini
transport_url = $TRANSPORT_URL
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
[database]
connection = $(DBURL neutron)
[oslo_concurrency]
lock_path = $DATA/locks/neutron
$(authtoken neutron)
EOF
  cat > "$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan
tenant_network_types =
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
EOF

  cp /etc/nova/api-paste.ini "$ETC/nova/api-paste.ini"
  cat > "$ETC/nova/nova.conf" <<EOF
[DEFAULT]
debug = $DEBUG
use_stderr = true
default_log_levels = $NOVA_LOG_LEVELS
host = controller
my_ip = $HOST_IP
state_path = $DATA/nova
transport_url = $TRANSPORT_URL
compute_driver = $COMPUTE_DRIVER
enabled_apis = osapi_compute
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[filter_scheduler]
# identical fake hosts: pick randomly among equally weighed hosts so that
# servers booted in quick succession spread over the hosts
shuffle_best_same_weighed_hosts = true
[oslo_concurrency]
lock_path = $DATA/locks/nova
[vnc]
enabled = false
[glance]
region_name = $REGION
$(authtoken nova)
$(svc_auth placement nova)
$(svc_auth neutron nova)
service_metadata_proxy = false
EOF
  # database settings only for the controller services (nova-compute must
  # not have them: it reaches the database through nova-conductor)
  cat > "$ETC/nova/nova-db.conf" <<EOF
[api_database]
connection = $(DBURL nova_api)
[database]
connection = $(DBURL nova)
EOF
  local i
  for i in $(seq 1 "$N_COMPUTE"); do
    cat > "$ETC/nova/compute$i.conf" <<EOF
[DEFAULT]
host = compute$i
state_path = $DATA/nova-compute$i
instances_path = $DATA/nova-compute$i/instances
# refresh hypervisor statistics every 10 s instead of every 60 s
update_resources_interval = 10
# start the periodic tasks at once (default: random delay of up to 60 s)
periodic_fuzzy_delay = 0
[oslo_concurrency]
lock_path = $DATA/locks/nova-compute$i
EOF
    mkdir -p "$DATA/nova-compute$i/instances"
  done

  cat > "$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $HOST_IP:$RABBIT_PORT
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.file.level = warning
log.console = false
EOF
  echo '[].' > "$ETC/rabbitmq/enabled_plugins"
}
write_configs
say "configs written to $ETC"

# ---------------------------------------------------------------- mariadb
MYSQL() { mariadb --no-defaults -S "$DB_SOCK" -u root "$@"; }
if [ ! -d "$DATA/mysql/mysql" ]; then
  say "initialising mariadb datadir"
  mariadb-install-db --no-defaults --user=root --datadir="$DATA/mysql" \
    --auth-root-authentication-method=socket --skip-test-db > "$LOG/mariadb-install.log" 2>&1 \
    || die "mariadb-install-db failed, see $LOG/mariadb-install.log"
fi
start_proc mariadb mariadbd --no-defaults --user=root --datadir="$DATA/mysql" \
  --socket="$DB_SOCK" --pid-file="$RUN/mariadbd.pidfile" --skip-networking \
  --log-error="$LOG/mariadb-error.log" --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
  --performance-schema=OFF --max-connections=1000 --skip-name-resolve \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
wait_for mariadb MYSQL -e 'select 1'
MYSQL <<EOF
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
CREATE DATABASE IF NOT EXISTS keystone;  CREATE DATABASE IF NOT EXISTS placement;
CREATE DATABASE IF NOT EXISTS glance;    CREATE DATABASE IF NOT EXISTS neutron;
CREATE DATABASE IF NOT EXISTS nova_api;  CREATE DATABASE IF NOT EXISTS nova;
CREATE DATABASE IF NOT EXISTS nova_cell0;
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
EOF

# ---------------------------------------------------------------- rabbitmq
# epmd is started by us (not by erl -daemon) so that it has a pid file and
# listens on loopback only.
start_proc epmd epmd -address "$HOST_IP" -port "$EPMD_PORT"
wait_for epmd tcp_open "$HOST_IP" "$EPMD_PORT"
start_proc rabbitmq env HOME="$DATA/rabbitmq" \
  RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_USE_LONGNAME=false \
  RABBITMQ_NODE_IP_ADDRESS="$HOST_IP" RABBITMQ_NODE_PORT="$RABBIT_PORT" \
  RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" ERL_EPMD_ADDRESS="$HOST_IP" ERL_EPMD_PORT="$EPMD_PORT" \
  RABBITMQ_CONFIG_FILE="$ETC/rabbitmq/rabbitmq" RABBITMQ_CONF_ENV_FILE=/dev/null \
  RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq/enabled_plugins" \
  RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOG/rabbitmq" \
  RABBITMQ_PID_FILE="$RUN/rabbitmq.pidfile" \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
  /usr/lib/rabbitmq/bin/rabbitmq-server

# ---------------------------------------------------------------- keystone
KM() { keystone-manage --config-file "$ETC/keystone/keystone.conf" "$@"; }
if ! done_mark keystone-db; then
  say "keystone db_sync"
  KM db_sync > "$LOG/keystone-manage.log" 2>&1 || die "keystone db_sync failed ($LOG/keystone-manage.log)"
  set_mark keystone-db
fi
if [ ! -f "$DATA/keystone/fernet-keys/0" ]; then
  mkdir -p "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
  chmod 700 "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
  KM fernet_setup --keystone-user root --keystone-group root >> "$LOG/keystone-manage.log" 2>&1
  KM credential_setup --keystone-user root --keystone-group root >> "$LOG/keystone-manage.log" 2>&1
fi
# (re-)run bootstrap when the admin password changed: it resets the password
BOOT_HASH=$(echo "$ADMIN_PASSWORD $REGION" | md5sum | cut -d' ' -f1)
if [ "$(cat "$DATA/.done-keystone-bootstrap" 2>/dev/null)" != "$BOOT_HASH" ]; then
  say "keystone bootstrap"
  KM bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "http://$HOST_IP:$KEYSTONE_PORT/v3/" \
    --bootstrap-internal-url "http://$HOST_IP:$KEYSTONE_PORT/v3/" \
    --bootstrap-public-url "http://$HOST_IP:$KEYSTONE_PORT/v3/" >> "$LOG/keystone-manage.log" 2>&1 \
    || die "keystone bootstrap failed ($LOG/keystone-manage.log)"
  echo "$BOOT_HASH" > "$DATA/.done-keystone-bootstrap"
fi
UWSGI_COMMON=(uwsgi --plugin python3 --master --enable-threads --lazy-apps --die-on-term
  --buffer-size 65535 --add-header "Connection: close")
start_proc keystone env OS_KEYSTONE_CONFIG_FILES="$ETC/keystone/keystone.conf" \
  "${UWSGI_COMMON[@]}" --processes 1 --threads 4 --http-socket "$HOST_IP:$KEYSTONE_PORT" --procname-prefix keystone- \
  --wsgi-file /usr/bin/keystone-wsgi-public
wait_for keystone http_ok "http://$HOST_IP:$KEYSTONE_PORT/v3"

# service users, roles, catalog (idempotent)
ENDPOINTS="compute=nova=http://$HOST_IP:$NOVA_PORT/v2.1 placement=placement=http://$HOST_IP:$PLACEMENT_PORT image=glance=http://$HOST_IP:$GLANCE_PORT network=neutron=http://$HOST_IP:$NEUTRON_PORT"
KS_HASH=$(echo "$ADMIN_PASSWORD $SERVICE_PASSWORD $REGION $ENDPOINTS" | md5sum | cut -d' ' -f1)
if [ "$(cat "$DATA/.done-keystone-resources" 2>/dev/null)" != "$KS_HASH" ]; then
say "keystone: service users and catalog"
env SERVICE_PASSWORD="$SERVICE_PASSWORD" ADMIN_PASSWORD="$ADMIN_PASSWORD" REGION="$REGION" \
  KEYSTONE_URL="http://$HOST_IP:$KEYSTONE_PORT/v3" ENDPOINTS="$ENDPOINTS" \
  $PY - <<'PYEOF' || die "keystone resource setup failed"
import os
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

auth = v3.Password(auth_url=os.environ["KEYSTONE_URL"], username="admin",
                   password=os.environ["ADMIN_PASSWORD"], project_name="admin",
                   user_domain_id="default", project_domain_id="default")
ks = client.Client(session=session.Session(auth=auth))
region = os.environ["REGION"]
def one(items): return items[0] if items else None
service_project = one(ks.projects.list(name="service", domain="default")) or \
    ks.projects.create("service", "default", description="service users")
roles = {r.name: r for r in ks.roles.list()}
for rn in ("admin", "member", "reader", "service"):
    if rn not in roles:
        roles[rn] = ks.roles.create(rn)
for spec in os.environ["ENDPOINTS"].split():
    stype, user, url = spec.split("=", 2)
    u = one(ks.users.list(name=user, domain="default"))
    if u is None:
        u = ks.users.create(user, domain="default", password=os.environ["SERVICE_PASSWORD"])
    else:
        ks.users.update(u, password=os.environ["SERVICE_PASSWORD"])
    for rn in ("admin", "service"):
        ks.roles.grant(roles[rn], user=u, project=service_project)
    svc = one(ks.services.list(type=stype))
    if svc is None:
        svc = ks.services.create(user, type=stype)
    have = {e.interface: e for e in ks.endpoints.list(service=svc)}
    for iface in ("public", "internal", "admin"):
        if iface in have:
            if have[iface].url != url:
                ks.endpoints.update(have[iface], url=url)
        else:
            ks.endpoints.create(svc, url, interface=iface, region=region)
print("keystone resources ok")
PYEOF
echo "$KS_HASH" > "$DATA/.done-keystone-resources"
fi

# ---------------------------------------------------------------- placement
if ! done_mark placement-db; then
  say "placement db sync"
  placement-manage --config-file "$ETC/placement/placement.conf" db sync > "$LOG/placement-manage.log" 2>&1 \
    || die "placement db sync failed ($LOG/placement-manage.log)"
  set_mark placement-db
fi
start_proc placement env OS_PLACEMENT_CONFIG_DIR="$ETC/placement" \
  "${UWSGI_COMMON[@]}" --processes 1 --threads 4 --http-socket "$HOST_IP:$PLACEMENT_PORT" --procname-prefix placement- \
  --wsgi-file /usr/bin/placement-api

# ---------------------------------------------------------------- glance
if ! done_mark glance-db; then
  say "glance db sync"
  glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync > "$LOG/glance-manage.log" 2>&1 \
    || die "glance db sync failed ($LOG/glance-manage.log)"
  set_mark glance-db
fi
start_proc glance glance-api --config-dir "$ETC/glance"

# ---------------------------------------------------------------- neutron
if ! done_mark neutron-db; then
  say "neutron db upgrade"
  neutron-db-manage --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini" \
    upgrade head > "$LOG/neutron-db-manage.log" 2>&1 || die "neutron db upgrade failed ($LOG/neutron-db-manage.log)"
  set_mark neutron-db
fi
start_proc neutron neutron-server --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini"

# ---------------------------------------------------------------- nova
NM() { nova-manage --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf" "$@"; }
if ! done_mark nova-db; then
  say "nova api_db sync / cells / db sync"
  {
    NM api_db sync &&
    NM cell_v2 map_cell0 --database_connection "$(DBURL nova_cell0)" &&
    { NM cell_v2 list_cells | grep -q ' cell1 ' || NM cell_v2 create_cell --name cell1; } &&
    NM db sync
  } > "$LOG/nova-manage.log" 2>&1 || die "nova db setup failed ($LOG/nova-manage.log)"
  set_mark nova-db
fi
wait_for rabbitmq tcp_open "$HOST_IP" "$RABBIT_PORT"
start_proc nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf"
start_proc nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf"
start_proc nova-api env OS_NOVA_CONFIG_DIR="$ETC/nova" OS_NOVA_CONFIG_FILES="api-paste.ini;nova.conf;nova-db.conf" \
  "${UWSGI_COMMON[@]}" --processes 2 --threads 1 --http-socket "$HOST_IP:$NOVA_PORT" --procname-prefix nova-api- \
  --wsgi-file /usr/bin/nova-api-wsgi
for i in $(seq 1 "$N_COMPUTE"); do
  start_proc "nova-compute$i" nova-compute --config-file "$ETC/nova/nova.conf" \
    --config-file "$ETC/nova/compute$i.conf"
done

wait_for placement http_ok "http://$HOST_IP:$PLACEMENT_PORT/"
wait_for glance http_any "http://$HOST_IP:$GLANCE_PORT/versions"
wait_for neutron http_ok "http://$HOST_IP:$NEUTRON_PORT/"
wait_for nova-api http_ok "http://$HOST_IP:$NOVA_PORT/"
for p in mariadb epmd rabbitmq keystone placement glance neutron nova-conductor nova-scheduler nova-api; do check_alive "$p"; done

# ---------------------------------------------------------------- readiness, hosts, flavors, image
say "waiting for $N_COMPUTE compute services, discovering hosts, creating flavors and image"
env ADMIN_PASSWORD="$ADMIN_PASSWORD" KEYSTONE_URL="http://$HOST_IP:$KEYSTONE_PORT/v3" \
  N_COMPUTE="$N_COMPUTE" READY_TIMEOUT="$READY_TIMEOUT" NOVA_ETC="$ETC/nova" START_UTC="$START_UTC" \
  $PY - <<'PYEOF' || die "nova readiness failed (see $LOG/nova-*.log)"
import os, subprocess, sys, time
from keystoneauth1 import session
from keystoneauth1.identity import v3

auth = v3.Password(auth_url=os.environ["KEYSTONE_URL"], username="admin",
                   password=os.environ["ADMIN_PASSWORD"], project_name="admin",
                   user_domain_id="default", project_domain_id="default")
s = session.Session(auth=auth)
n = int(os.environ["N_COMPUTE"])
deadline = time.time() + int(os.environ["READY_TIMEOUT"])
H = {"OpenStack-API-Version": "compute 2.79"}
def nova(method, path, **kw):
    r = s.request(path, method, endpoint_filter={"service_type": "compute", "interface": "public"},
                  headers=H, raise_exc=True, **kw)
    return r.json() if r.content else None
def wait(desc, fn):
    while True:
        try:
            r = fn()
            if r:
                print("ready: %s" % desc, flush=True); return r
        except Exception as e:
            last = e
        if time.time() > deadline:
            sys.exit("timeout waiting for %s" % desc)
        time.sleep(2)
wanted = {"compute%d" % i for i in range(1, n + 1)}
# "up" only means a heartbeat in the last 60 s, which may still be one from
# before a restart: require a heartbeat newer than the start of this script.
start = os.environ["START_UTC"]
wait("%d nova-compute services up" % n, lambda: wanted <= {
    x["host"] for x in nova("GET", "/os-services?binary=nova-compute")["services"]
    if x["state"] == "up" and (x["updated_at"] or "") > start})
etc = os.environ["NOVA_ETC"]
subprocess.run(["nova-manage", "--config-file", etc + "/nova.conf", "--config-file", etc + "/nova-db.conf",
                "cell_v2", "discover_hosts"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wait("%d hypervisors" % n, lambda: wanted <= {
    h["hypervisor_hostname"] for h in nova("GET", "/os-hypervisors/detail")["hypervisors"]
    if h["state"] == "up" and h.get("vcpus")})
# placement must know all resource providers before scheduling works
def rps():
    r = s.get("/resource_providers", endpoint_filter={"service_type": "placement"},
              headers={"OpenStack-API-Version": "placement 1.14"}).json()
    return wanted <= {p["name"] for p in r["resource_providers"]}
wait("placement resource providers", rps)
flavors = {f["name"] for f in nova("GET", "/flavors")["flavors"]}
for fid, name, ram, vcpus, disk in (("1", "m1.tiny", 512, 1, 1), ("2", "m1.small", 2048, 1, 20),
                                    ("3", "m1.medium", 4096, 2, 40)):
    if name not in flavors:
        nova("POST", "/flavors", json={"flavor": {"id": fid, "name": name, "ram": ram,
                                                  "vcpus": vcpus, "disk": disk}})
# a 1 KiB raw image; the fake driver never reads it, nova only needs its metadata
g = {"service_type": "image"}
imgs = s.get("/v2/images?name=tiny", endpoint_filter=g).json()["images"]
if not [i for i in imgs if i["status"] == "active"]:
    for i in imgs:
        s.delete("/v2/images/%s" % i["id"], endpoint_filter=g)
    img = s.post("/v2/images", endpoint_filter=g, json={
        "name": "tiny", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}).json()
    s.put("/v2/images/%s/file" % img["id"], endpoint_filter=g, data=b"\0" * 1024,
          headers={"Content-Type": "application/octet-stream"})
# The fake hypervisors keep their guests in memory only. After a restart
# (without --reset) servers left in the database are unknown to them
# (power_state 0, live migration refused); a hard reboot makes the fake
# driver "spawn" them again.
left = [x for x in nova("GET", "/servers/detail?all_tenants=1")["servers"]
        if x["status"] in ("ACTIVE", "HARD_REBOOT") and x["OS-EXT-STS:power_state"] != 1]
if left:
    print("re-registering %d servers from the previous run with the fake hypervisors (hard reboot)"
          % len(left), flush=True)
    for x in left:
        nova("POST", "/servers/%s/action" % x["id"], json={"reboot": {"type": "HARD"}})
    ids = {x["id"] for x in left}
    wait("re-registered servers ACTIVE/running", lambda: all(
        x["status"] == "ACTIVE" and x["OS-EXT-STS:power_state"] == 1
        for x in nova("GET", "/servers/detail?all_tenants=1")["servers"] if x["id"] in ids))
print("nova ready")
PYEOF
for i in $(seq 1 "$N_COMPUTE"); do check_alive "nova-compute$i"; done

print_env > "$OS_DIR/openrc"
say "OpenStack all-in-one is ready (state: $OS_DIR, env file: $OS_DIR/openrc)"
print_env
