#!/bin/sh
# The stand-in's entrypoint, to the official image's documented behaviour:
# options alone run redis-server; as root it hands what is not the redis
# user's in the working folder to it, then drops to redis.
set -e
if [ "${1#-}" != "${1:-}" ]; then set -- redis-server "$@"; fi
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec gosu redis "$0" "$@"
fi
umask 0077
exec "$@"
