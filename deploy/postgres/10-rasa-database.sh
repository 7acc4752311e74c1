#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d):
# the gateway's database and owner are POSTGRES_DB / POSTGRES_USER; Rasa's tracker store gets its
# own role and database. Passwords come from deploy/.env through the container's environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v rasa_user="$RASA_DB_USER" -v rasa_password="$RASA_DB_PASSWORD" -v rasa_db="$RASA_DB_NAME" <<'SQL'
CREATE ROLE :"rasa_user" LOGIN PASSWORD :'rasa_password';
CREATE DATABASE :"rasa_db" OWNER :"rasa_user" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"rasa_db" FROM PUBLIC;
SQL
