# Sourced, not run: the private servers of the scripts that put nginx in front of PHP-FPM
# (loadtest/run.sh, tests/dist/wordpress.sh, bindings/php/bench/fpm.sh, bindings/php/tests/run.sh).
# Each server keeps its configuration, pid, logs and temporary files in the caller's directory and
# listens on 127.0.0.1 or a socket there. The machine's own services are left alone; web_install
# stops only those Debian starts when it installs their packages.
# A start_* function runs its server in the foreground, in the background of the calling shell
# (call it directly, not in $(...)), and sets WEB_PID to that process.

WEB_STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# web_install PACKAGE...: installs the Debian packages that are missing (scripts/dist-tools.sh);
# then stops the services Debian started with those it installed (nginx, mariadb-server, php-fpm).
web_install() {
  local need=() stop=() p s
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  [ "${#need[@]}" -eq 0 ] && return 0
  bash "$WEB_STACK_ROOT/scripts/dist-tools.sh" --apt-only "${need[@]}" || return 1
  for p in "${need[@]}"; do
    case "$p" in
      nginx) stop+=(nginx) ;;
      mariadb-server) stop+=(mariadb) ;;
      php-fpm) stop+=("$(php -r 'echo "php", PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION, "-fpm";')") ;;
    esac
  done
  for s in "${stop[@]}"; do
    if command -v service >/dev/null && service "$s" status >/dev/null 2>&1; then
      service "$s" stop >/dev/null 2>&1 || true
    fi
  done
}

# web_binaries: sets PHPV (the CLI's major.minor), FPM and NGINX, the servers the start_*
# functions run (Debian's are in /usr/sbin, which a non-login PATH may lack).
web_binaries() {
  PHPV="$(php -r 'echo PHP_MAJOR_VERSION.".".PHP_MINOR_VERSION;')" || return 1
  FPM="$(command -v "php-fpm$PHPV" || command -v php-fpm || ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)"
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  if [ ! -x "$FPM" ] || [ ! -x "$NGINX" ]; then
    echo "web-stack: php-fpm${FPM:+ ($FPM)} or nginx ($NGINX) is not installed" >&2
    return 1
  fi
}

# start_fpm DIR NAME INI PORT CHILDREN [POOL_LINE...]: a PHP-FPM master (run as root, -R) with
# php.ini INI and one pool NAME of CHILDREN static workers on 127.0.0.1:PORT; files DIR/fpm-NAME.*
# (.conf, .pid, .log, .out). Each POOL_LINE goes into the pool's section (clear_env, env[...]).
start_fpm() {
  local dir="$1" name="$2" ini="$3" port="$4" children="$5"
  shift 5
  printf '%s\n' "[global]" "pid = $dir/fpm-$name.pid" "error_log = $dir/fpm-$name.log" \
    "daemonize = no" "[$name]" "user = root" "group = root" "listen = 127.0.0.1:$port" \
    "listen.backlog = 511" "pm = static" "pm.max_children = $children" \
    "catch_workers_output = yes" "$@" >"$dir/fpm-$name.conf"
  "$FPM" -R -F -c "$ini" -y "$dir/fpm-$name.conf" >"$dir/fpm-$name.out" 2>&1 &
  WEB_PID=$!
}

# start_nginx DIR WORKERS <<HTTP: nginx run as root with WORKERS worker processes; files
# DIR/nginx.conf, nginx.pid, nginx-error.log, nginx.out and the temporary files under DIR/nginx/.
# Standard input gives what goes inside `http { }` after the temporary paths (access_log,
# upstreams, servers): always give it, as a here-document.
start_nginx() {
  local dir="$1" workers="$2"
  mkdir -p "$dir/nginx"
  {
    printf '%s\n' "daemon off;" "user root;" "worker_processes $workers;" "pid $dir/nginx.pid;" \
      "error_log $dir/nginx-error.log;" "events { worker_connections 1024; }" "http {" \
      "  client_body_temp_path $dir/nginx/body;" "  fastcgi_temp_path $dir/nginx/fastcgi;" \
      "  proxy_temp_path $dir/nginx/proxy;" "  uwsgi_temp_path $dir/nginx/uwsgi;" \
      "  scgi_temp_path $dir/nginx/scgi;"
    cat
    echo "}"
  } >"$dir/nginx.conf"
  "$NGINX" -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx.out" 2>&1 </dev/null &
  WEB_PID=$!
}

# start_mariadb DIR [MARIADBD_OPTION...]: a MariaDB server run as root on a fresh data directory
# DIR/db, with the socket DIR/mysqld.sock (root logs in over it without a password) and the logs
# DIR/db-install.log and DIR/mysqld.log. Networking as the options say (--skip-networking, or
# --port with --bind-address=127.0.0.1).
start_mariadb() {
  local dir="$1" install server
  shift
  install="$(command -v mariadb-install-db || command -v mysql_install_db || echo /usr/bin/mariadb-install-db)"
  server="$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)"
  if ! "$install" --no-defaults --datadir="$dir/db" --user=root --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/db-install.log" 2>&1; then
    echo "web-stack: mariadb-install-db failed:" >&2
    cat "$dir/db-install.log" >&2
    return 1
  fi
  "$server" --no-defaults --datadir="$dir/db" --user=root --socket="$dir/mysqld.sock" \
    --pid-file="$dir/mysqld.pid" --log-error="$dir/mysqld.log" "$@" &
  WEB_PID=$!
}
