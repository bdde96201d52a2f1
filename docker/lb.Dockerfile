# The load balancer of docker/compose.production.yml: HAProxy from Debian's package in front of
# the claim-service replicas (configuration: docker/haproxy.cfg).
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy curl \
 && rm -rf /var/lib/apt/lists/*
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
USER haproxy
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8000/lb-health || exit 1
# Exec form, master-worker mode: SIGTERM reaches HAProxy, which finishes its connections.
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]
