# Sourced: start_php_server LOG PHP-COMMAND... starts PHP's built-in server in the background and
# sets PORT and SERVER_PID. PHP-COMMAND is php with its options (an `env VAR=value ...` prefix is
# fine); `-S 127.0.0.1:0` and whatever follows it go last, e.g.
#   start_php_server "$dir/server.log" php -d ffi.enable=0 -- -t "$root" "$root/router.php"
# (the arguments after `--` follow -S). On port 0 the server binds a free port itself and names it
# in its "Development Server (http://127.0.0.1:PORT) started" line: choosing a free port first and
# starting the server on it afterwards races with any other process taking that port, and a
# caller could then talk to someone else's server. Returns 1, with the log on stderr, when the
# server stops or has not started within 15 s.
start_php_server() {
  local log="$1"
  shift
  local cmd=() after=()
  while (($#)) && [ "$1" != "--" ]; do cmd+=("$1"); shift; done
  (($#)) && shift
  after=("$@")
  # Emptied here, not only by the redirect below: that one happens in the background child, and
  # the loop must not read a port from a previous run's log before the child has opened it.
  : >"$log"
  "${cmd[@]}" -S 127.0.0.1:0 "${after[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  PORT=""
  local _
  for _ in $(seq 1 300); do
    PORT="$(sed -n 's|.*Development Server (http://127\.0\.0\.1:\([0-9]*\)) started.*|\1|p' "$log" | head -n 1)"
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "php -S did not start:" >&2
  cat "$log" >&2
  kill "$SERVER_PID" 2>/dev/null || true
  return 1
}
