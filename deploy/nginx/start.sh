#!/bin/sh
# The proxy's command (docker-compose.yml): HTTPS when a certificate is given, plain HTTP otherwise.
set -eu
certs=/etc/nginx/certs
if [ -s "$certs/fullchain.pem" ] && [ -s "$certs/privkey.pem" ]; then
    echo "start.sh: certificate found in $certs, serving HTTPS on 443 (80 redirects)"
    exec nginx -c /etc/nginx/crm/https.conf -g "daemon off;"
fi
echo "start.sh: no certificate in $certs (fullchain.pem, privkey.pem), serving plain HTTP on 80"
exec nginx -c /etc/nginx/crm/http.conf -g "daemon off;"
