#!/usr/bin/env bash
# Run the commands the compose services run (web, worker, beat) against local services.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="ci-smoke-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_SSL_REDIRECT=false
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_smoke
export CELERY_BROKER_URL=redis://127.0.0.1:6379/13
export CELERY_RESULT_BACKEND=redis://127.0.0.1:6379/14
export CACHE_URL=redis://127.0.0.1:6379/15
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS crm_smoke" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE crm_smoke" >/dev/null
redis-cli -h 127.0.0.1 -n 13 flushdb >/dev/null

# The same commands as docker-compose.yml's services.
$PY manage.py migrate --no-input -v0
$PY manage.py setup_schedule
$PY manage.py collectstatic --no-input -v0
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
GUNICORN_BIND=127.0.0.1:8001 GUNICORN_WORKERS=2 \
  .venv/bin/gunicorn --config deploy/gunicorn.conf.py crm.wsgi:application >var/smoke-web.log 2>&1 &
pids+=($!)
.venv/bin/celery -A crm worker --loglevel INFO --concurrency 2 >var/smoke-worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A crm beat --loglevel INFO >var/smoke-beat.log 2>&1 &
pids+=($!)

ok=""
for _ in $(seq 60); do
  if curl -fsS http://127.0.0.1:8001/healthz -o var/smoke-health.json 2>/dev/null; then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || { echo "gunicorn did not answer /healthz"; cat var/smoke-web.log; exit 1; }
grep -q '"database": "ok"' var/smoke-health.json && grep -q '"broker": "ok"' var/smoke-health.json \
  || { echo "healthz not ok:"; cat var/smoke-health.json; exit 1; }
curl -fsS -H "Accept-Language: zh-CN" http://127.0.0.1:8001/login/ | grep -q "登录" \
  || { echo "login page not in Chinese"; exit 1; }
curl -fsS -o /dev/null http://127.0.0.1:8001/static/vendor/htmx-2.0.7/htmx.min.js \
  || { echo "WhiteNoise does not serve static files"; exit 1; }
$PY - <<'PY'
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
django.setup()
from crm.tasks import ping
assert ping.delay("smoke").get(timeout=30) == "smoke", "worker did not answer"
print("worker answered a task through Redis")
PY
sleep 2
grep -q "beat: Starting" var/smoke-beat.log || { echo "beat did not start"; cat var/smoke-beat.log; exit 1; }
echo "gunicorn, worker and beat ran against PostgreSQL and Redis"
