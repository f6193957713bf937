#!/bin/sh
# Entrypoint of the PostgreSQL image that scripts/build_images.py builds where no
# registry is reachable. It honours the official `postgres` image's variables, so the
# Docker backend drives this image and the official one the same way:
#   POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, POSTGRES_USER (default postgres),
#   POSTGRES_DB (default: the user's name), POSTGRES_INITDB_ARGS,
#   POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), PGDATA.
# Arguments starting with "-" go to postgres ("-c port=5433 -c listen_addresses=...").
# Not supported (unlike the official image): /docker-entrypoint-initdb.d scripts,
# running as root (the image runs as the unprivileged user "postgres").
set -eu

file_env() {
	var=$1
	eval "val=\${$var:-}"
	eval "file=\${${var}_FILE:-}"
	if [ -n "$val" ] && [ -n "$file" ]; then
		echo "error: both $var and ${var}_FILE are set (but are exclusive)" >&2
		exit 1
	fi
	if [ -n "$file" ]; then
		val=$(cat "$file")
	fi
	eval "$var=\$val"
}

if [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
	file_env POSTGRES_PASSWORD
	: "${POSTGRES_USER:=postgres}"
	: "${POSTGRES_DB:=$POSTGRES_USER}"
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	: "${POSTGRES_INITDB_ARGS:=}"
	: "${PGDATA:=/var/lib/postgresql/data}"
	export PGDATA
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
			echo "error: database is uninitialized and superuser password is not specified." >&2
			echo "  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or POSTGRES_HOST_AUTH_METHOD=trust." >&2
			exit 1
		fi
		pwopt=""
		if [ -n "$POSTGRES_PASSWORD" ]; then
			pwfile="/tmp/.pwfile.$$"
			(umask 077 && printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile")
			pwopt="--pwfile=$pwfile"
		fi
		# POSTGRES_INITDB_ARGS is split into words on purpose, as the official image does.
		# shellcheck disable=SC2086
		initdb -D "$PGDATA" --username="$POSTGRES_USER" $pwopt $POSTGRES_INITDB_ARGS
		if [ -n "$pwopt" ]; then
			rm -f "$pwfile"
		fi
		printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
		if [ "$POSTGRES_DB" != postgres ]; then
			printf 'CREATE DATABASE "%s"\n' "$POSTGRES_DB" |
				postgres --single -D "$PGDATA" postgres >/dev/null
		fi
		echo "PostgreSQL init process complete; ready for start up."
	fi
	unset POSTGRES_PASSWORD
fi

exec "$@"
