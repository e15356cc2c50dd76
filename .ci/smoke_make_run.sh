#!/usr/bin/env bash
# `make run` on the embedded default must serve the Chinese login page and let a demo user in.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND CACHE_URL
setsid make run >var/smoke-make-run.log 2>&1 &
leader=$!
trap 'kill -TERM -- -$leader 2>/dev/null || true; sleep 3; kill -KILL -- -$leader 2>/dev/null || true' EXIT
for _ in $(seq 180); do
  curl -fsS -o /dev/null http://127.0.0.1:8000/login/ 2>/dev/null && break
  sleep 1
done
page=$(curl -fsS -H "Accept-Language: zh-CN,zh;q=0.9" -c var/smoke-cookies http://127.0.0.1:8000/login/) \
  || { echo "make run did not serve the login page"; tail -40 var/smoke-make-run.log; exit 1; }
grep -q '<html lang="zh-hans">' <<<"$page" && grep -q "登录" <<<"$page" \
  || { echo "login page is not in Chinese"; exit 1; }
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
landing=$(curl -fsS -b var/smoke-cookies -c var/smoke-cookies -o /dev/null -w '%{redirect_url}' \
  -H "Referer: http://127.0.0.1:8000/login/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=sales1" \
  --data-urlencode "password=crm-demo-2026" http://127.0.0.1:8000/login/)
[ "$landing" = "http://127.0.0.1:8000/" ] || { echo "sales1 could not log in (went to $landing)"; exit 1; }
echo "make run serves the Chinese login page and sales1 logs in"
