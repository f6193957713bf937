#!/bin/bash
set -euo pipefail
STAMP=$(date +%F)
mysqldump -u backup -p'rCoWXhe3RN0NlYrP8i' --single-transaction shop > /backups/shop-$STAMP.sql
mysqldump -u backup -p"$MYSQL_BACKUP_PASSWORD" inventory > /backups/inventory-$STAMP.sql
PGPASSWORD='RFE%u48#RHtMjU-hk5^6' pg_dump -h db -U orders orders > /backups/orders-$STAMP.sql
PGPASSWORD="$(cat /run/secrets/pg)" pg_dump -h db -U audit audit > /backups/audit-$STAMP.sql
find /backups -mtime +14 -delete
